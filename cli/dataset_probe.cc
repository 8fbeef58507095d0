#include "cli/dataset_probe.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "worker/data/data_error.h"

namespace nasprune::cli {
namespace {

using worker::DataFormat;

bool HasSplit(const std::string& directory, DataFormat format, bool test) {
  try {
    worker::SplitFiles(directory, format, test);
    return true;
  } catch (const worker::DataError&) {
    return false;
  }
}

v1::DatasetFormat ToProto(DataFormat format) {
  return format == DataFormat::kIdx ? v1::DATASET_FORMAT_IDX
                                    : v1::DATASET_FORMAT_CIFAR10_BINARY;
}

// What the files hold.
struct Probe {
  int channels = 0;
  int height = 0;
  int width = 0;
  int64_t max_label = -1;
  std::string labels_file;  // The file holding the largest label.
};

Probe ProbeFiles(const std::string& directory, DataFormat format) {
  Probe probe;
  auto labels = [&](const std::vector<int64_t>& values,
                    const std::string& file) {
    for (int64_t l : values) {
      if (l > probe.max_label) {
        probe.max_label = l;
        probe.labels_file = file;
      }
    }
  };
  for (const bool test : {false, true}) {
    if (test && !HasSplit(directory, format, test)) break;
    const std::vector<std::string> files =
        worker::SplitFiles(directory, format, test);
    if (format == DataFormat::kIdx) {
      if (!test) {
        const worker::IdxHeader h = worker::ReadIdxImagesHeader(files[0]);
        probe.channels = h.channels;
        probe.height = h.height;
        probe.width = h.width;
      }
      labels(worker::ReadIdxLabels(files[1]), files[1]);
    } else {
      probe.channels = 3;
      probe.height = probe.width = 32;
      for (const std::string& file : files) {
        labels(worker::ReadCifar10Labels({file}), file);
      }
    }
  }
  return probe;
}

}  // namespace

std::optional<DataFormat> DetectDataFormat(const std::string& directory) {
  if (HasSplit(directory, DataFormat::kIdx, /*test=*/false)) {
    return DataFormat::kIdx;
  }
  if (HasSplit(directory, DataFormat::kCifar10Binary, /*test=*/false)) {
    return DataFormat::kCifar10Binary;
  }
  return std::nullopt;
}

std::string NoDataSetFiles(const std::string& directory) {
  return absl::StrCat(directory,
                      ": neither IDX files (train-images-idx3-ubyte[.gz] and "
                      "train-labels-idx1-ubyte[.gz]) nor CIFAR-10 batches "
                      "(data_batch_1.bin to data_batch_5.bin); see "
                      "docs/data.md");
}

const char* DataFormatName(DataFormat format) {
  return format == DataFormat::kIdx ? "idx" : "cifar10_binary";
}

namespace {

// CompleteDatasetFromFiles, which may throw filesystem_error.
void Complete(v1::DatasetSpec* d, FieldErrors* errors) {
  const std::string& directory = d->path();
  std::error_code error;
  if (directory.empty() || directory.front() != '/' ||
      !std::filesystem::is_directory(directory, error)) {
    return;
  }
  const std::optional<DataFormat> found = DetectDataFormat(directory);
  if (!found.has_value()) {
    errors->Add("dataset.path", NoDataSetFiles(directory));
    return;
  }
  DataFormat format = *found;
  if (d->format() == v1::DATASET_FORMAT_UNSPECIFIED) {
    d->set_format(ToProto(format));
  } else if (d->format() != ToProto(format)) {
    const DataFormat asked = format == DataFormat::kIdx
                                 ? DataFormat::kCifar10Binary
                                 : DataFormat::kIdx;
    if (!HasSplit(directory, asked, /*test=*/false)) {
      errors->Add("dataset.format",
                  absl::StrCat(DataFormatName(asked), ", but ", directory,
                               " holds ", DataFormatName(format), " files"));
      return;
    }
    format = asked;  // The folder holds both; the spec chooses.
  }
  Probe probe;
  try {
    probe = ProbeFiles(directory, format);
  } catch (const worker::DataError& e) {
    errors->Add("dataset.path", e.what());
    return;
  }
  auto* shape = d->mutable_shape();
  if (shape->channels() == 0 && shape->height() == 0 && shape->width() == 0) {
    shape->set_channels(probe.channels);
    shape->set_height(probe.height);
    shape->set_width(probe.width);
  } else if (shape->channels() != probe.channels ||
             shape->height() != probe.height || shape->width() != probe.width) {
    errors->Add(
        "dataset.shape",
        absl::StrFormat("%dx%dx%d, but the images in %s are %dx%dx%d",
                        shape->channels(), shape->height(), shape->width(),
                        directory, probe.channels, probe.height, probe.width));
  }
  const int64_t classes = probe.max_label + 1;
  if (d->num_classes() == 0) {
    d->set_num_classes(static_cast<int32_t>(classes));
  } else if (d->num_classes() < classes) {
    errors->Add("dataset.num_classes",
                absl::StrCat(d->num_classes(), ", but ", probe.labels_file,
                             " has label ", probe.max_label,
                             " (labels are 0 "
                             "to num_classes - 1)"));
  }
}

}  // namespace

void CompleteDatasetFromFiles(v1::DatasetSpec* d, FieldErrors* errors) {
  // A folder this user may not search is left to the workers, as one that
  // is not here.
  try {
    Complete(d, errors);
  } catch (const std::filesystem::filesystem_error&) {
  }
}

jobspec::LoadOptions ReadDatasetFiles() {
  return {.complete_dataset = CompleteDatasetFromFiles};
}

}  // namespace nasprune::cli
