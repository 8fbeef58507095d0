#ifndef NASPRUNE_CLI_DATASET_PROBE_H_
#define NASPRUNE_CLI_DATASET_PROBE_H_

// What a data set folder's own files say of it, for the CLI: the format its
// files are in, and a job spec's dataset block completed and checked from
// the IDX headers and the labels (not the pixels), so a spec on one's own
// data needs only a name and a path, and a shape or class count that
// disagrees with the files is caught before anything runs.

#include <optional>
#include <string>

#include "common/jobspec/load_job_spec.h"
#include "common/status/field_errors.h"
#include "nasprune/v1/job.pb.h"
#include "worker/data/readers.h"

namespace nasprune::cli {

// IDX when the folder has IDX training images, else CIFAR-10 when it has
// CIFAR-10 training batches, else nullopt.
std::optional<worker::DataFormat> DetectDataFormat(
    const std::string& directory);

// "<directory>: neither IDX files (...) nor CIFAR-10 batches (...); see
// docs/data.md": what a folder without a data set is told.
std::string NoDataSetFiles(const std::string& directory);

// "idx" or "cifar10_binary".
const char* DataFormatName(worker::DataFormat format);

// When dataset.path is a folder readable here: sets the format, shape and
// class count (the largest label + 1, over the training and test labels)
// the spec leaves out, and records a "dataset.<field>" error where the
// spec's value disagrees with the files or the folder holds no data set.
// A path that is not readable here is left to the workers.
void CompleteDatasetFromFiles(v1::DatasetSpec* dataset, FieldErrors* errors);

// LoadJobSpec options that call CompleteDatasetFromFiles.
jobspec::LoadOptions ReadDatasetFiles();

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_DATASET_PROBE_H_
