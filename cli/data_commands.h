#ifndef NASPRUNE_CLI_DATA_COMMANDS_H_
#define NASPRUNE_CLI_DATA_COMMANDS_H_

// `nasprune data check DIR`: reads a data set folder the way a worker does
// (worker/data/readers.h, no LibTorch) and reports what a job spec needs to
// know of it: the format, the image shape, the class count and label range,
// the examples per split and per class, the memory a worker holds for it,
// and the `dataset:` block to paste into a spec. docs/data.md describes the
// layouts.

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "cli/output.h"

namespace nasprune::cli {

// `format`: "auto" (IDX when its training images are there, else CIFAR-10
// batches), "idx" or "cifar10_binary". `num_classes` > 0 checks every label
// against it; 0 infers it (the largest label + 1). INVALID_ARGUMENT naming
// the file for a damaged or inconsistent one; NOT_FOUND when the folder or
// its training files are missing.
absl::Status DataCheckCommand(const std::string& directory,
                              const std::string& format, int num_classes,
                              OutputFormat output, std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_DATA_COMMANDS_H_
