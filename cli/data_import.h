#ifndef NASPRUNE_CLI_DATA_IMPORT_H_
#define NASPRUNE_CLI_DATA_IMPORT_H_

// `nasprune data import SRC -o DIR`: turns a user's images into a data set
// folder a worker reads (IDX files, docs/data.md), then reports it as `data
// check` does, with the `dataset:` block for a job spec.
//
// Sources:
//   - a folder with one sub-folder per class of PNG/JPEG/BMP images (labels
//     follow the sorted class names; classes.txt records them), optionally
//     split already as SRC/train/<class>/ and SRC/test/<class>/;
//   - NumPy arrays: an images .npy (N×H×W, N×H×W×C or N×C×H×W; uint8, other
//     integers in 0..255, or floats in [0, 1] or [0, 255]) with a labels .npy
//     (N integers in 0..255), and optionally a test pair.
// Without a test split of its own, a stratified share (--test-fraction) is
// held out, chosen by --seed. Nothing is left behind on failure: the folder
// is written under a temporary name and renamed at the end.

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "cli/output.h"

namespace nasprune::cli {

struct ImportOptions {
  std::string source;       // A folder of class folders, or an images .npy.
  std::string labels;       // With an .npy source: the labels .npy.
  std::string test_images;  // Optional .npy test split (with test_labels).
  std::string test_labels;
  std::string output;  // The folder to create; must not exist or be empty.
  double test_fraction = 0.1;  // Held out when there is no test split.
  uint64_t seed = 0;
  int channels = 0;  // 1 or 3; 0: 1 when every image is grayscale, else 3.
  int height = 0;    // With width: resize every image to this size; 0: the
  int width = 0;     // images' own size, which must then be the same.
};

// INVALID_ARGUMENT naming the option or the file for bad input (an image
// that does not decode, images of different sizes without --size, a label
// out of range, an output folder that is not empty); NOT_FOUND for a missing
// source.
absl::Status DataImportCommand(const ImportOptions& options,
                               OutputFormat output, std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_DATA_IMPORT_H_
