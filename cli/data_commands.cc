#include "cli/data_commands.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/dataset_probe.h"
#include "worker/data/data_error.h"
#include "worker/data/readers.h"

namespace nasprune::cli {
namespace {

using worker::DataFormat;
using worker::ImageSet;

struct SplitReport {
  std::vector<std::string> files;
  ImageSet set;
};

// The split's files and content; nullopt when its files are not there.
std::optional<SplitReport> ReadSplit(const std::string& directory,
                                     DataFormat format, int num_classes,
                                     bool test) {
  SplitReport report;
  try {
    report.files = worker::SplitFiles(directory, format, test);
  } catch (const worker::DataError&) {
    return std::nullopt;
  }
  report.set = test ? worker::ReadTestSplit(directory, format, num_classes)
                    : worker::ReadTrainSplit(directory, format, num_classes);
  return report;
}

std::vector<int64_t> PerClass(const ImageSet& set, int classes) {
  std::vector<int64_t> counts(classes, 0);
  for (int64_t label : set.labels) {
    if (label >= 0 && label < classes) ++counts[label];
  }
  return counts;
}

std::string Names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  for (const std::string& p : paths) {
    names.push_back(std::filesystem::path(p).filename().string());
  }
  return absl::StrJoin(names, " ");
}

// "0: cat, 1: dog".
std::string NumberedNames(const std::vector<std::string>& names) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < names.size(); ++i) {
    parts.push_back(absl::StrCat(i, ": ", names[i]));
  }
  return absl::StrJoin(parts, ", ");
}

// The folder's own name ("parts" of "/data/parts/"), for the spec's name.
std::string DirectoryName(const std::string& directory) {
  std::filesystem::path p =
      std::filesystem::absolute(directory).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

absl::Status DataCheckCommand(const std::string& directory,
                              const std::string& format, int num_classes,
                              OutputFormat output, std::ostream& out) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return absl::NotFoundError(absl::StrCat(directory, ": not a directory"));
  }
  DataFormat kind = DataFormat::kIdx;
  if (format == "cifar10_binary") {
    kind = DataFormat::kCifar10Binary;
  } else if (format == "auto") {
    const std::optional<DataFormat> found = DetectDataFormat(directory);
    if (!found.has_value()) {
      return absl::NotFoundError(NoDataSetFiles(directory));
    }
    kind = *found;
  } else if (format != "idx") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format: \"", format, "\" is not one of auto, idx, cifar10_binary"));
  }
  const std::string format_name = DataFormatName(kind);

  try {
    worker::SplitFiles(directory, kind, /*test=*/false);
  } catch (const worker::DataError& e) {
    return absl::NotFoundError(e.what());  // Names the files looked for.
  }
  std::optional<SplitReport> train, test;
  try {
    train = ReadSplit(directory, kind, num_classes, /*test=*/false);
    test = ReadSplit(directory, kind, num_classes, /*test=*/true);
  } catch (const worker::DataError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  const ImageSet& t = train->set;
  if (test.has_value() &&
      (test->set.channels != t.channels || test->set.height != t.height ||
       test->set.width != t.width)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: test images are %dx%dx%d, training images %dx%dx%d",
        test->files[0], test->set.channels, test->set.height, test->set.width,
        t.channels, t.height, t.width));
  }
  int64_t max_label = 0, min_label = 255;
  auto extend = [&](const ImageSet& s) {
    for (int64_t l : s.labels) {
      max_label = std::max(max_label, l);
      min_label = std::min(min_label, l);
    }
  };
  extend(t);
  if (test.has_value()) extend(test->set);
  const int classes =
      num_classes > 0 ? num_classes : static_cast<int>(max_label + 1);
  const std::vector<int64_t> per_class = PerClass(t, classes);
  const auto [fewest, most] =
      std::minmax_element(per_class.begin(), per_class.end());
  std::vector<std::string> missing;
  for (int c = 0; c < classes; ++c) {
    if (per_class[c] == 0) missing.push_back(absl::StrCat(c));
  }
  // classes.txt (written by `data import`): the name of label i on line i.
  std::vector<std::string> names;
  if (std::ifstream file(directory + "/classes.txt"); file) {
    for (std::string line; std::getline(file, line);) names.push_back(line);
  }
  const int64_t image_bytes = int64_t{t.channels} * t.height * t.width;
  const int64_t test_count = test.has_value() ? test->set.count : 0;
  // A worker holds every split as float32 (docs/data.md, "Memory").
  const double memory_mb =
      double(t.count + test_count) * image_bytes * 4 / (1 << 20);

  Table table{.columns = {{"directory"},
                          {"format"},
                          {"channels"},
                          {"height"},
                          {"width"},
                          {"classes"},
                          {"labels"},
                          {"train_examples"},
                          {"train_files"},
                          {"test_examples"},
                          {"test_files"},
                          {"fewest_per_class"},
                          {"most_per_class"},
                          {"classes_without_examples"},
                          {"class_names"},
                          {"worker_memory_mb", 1}}};
  table.rows.push_back(
      {directory, format_name, int64_t{t.channels}, int64_t{t.height},
       int64_t{t.width}, int64_t{classes},
       absl::StrCat(min_label, "..", max_label), t.count, Names(train->files),
       test.has_value() ? Cell(test_count) : Cell{},
       test.has_value() ? Cell(Names(test->files)) : Cell{}, *fewest, *most,
       missing.empty() ? Cell{} : Cell(absl::StrJoin(missing, " ")),
       names.empty() ? Cell{} : Cell(NumberedNames(names)), memory_mb});
  if (output == OutputFormat::kJson) {
    nlohmann::json json;
    for (size_t c = 0; c < table.columns.size(); ++c) {
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::monostate>) {
              json[table.columns[c].name] = nullptr;
            } else {
              json[table.columns[c].name] = v;
            }
          },
          table.rows[0][c]);
    }
    json["per_class"] = per_class;
    json["class_names"] = names;
    PrintJson(json, out);
    return absl::OkStatus();
  }
  if (output == OutputFormat::kCsv) {
    PrintCsv(table, out);
    return absl::OkStatus();
  }
  PrintTable(table, out, /*vertical=*/true);
  out << absl::StrFormat(
      "\nIn a job spec:\n  dataset:\n    name: %s\n    path: %s\n"
      "    format: %s\n    shape: {channels: %d, height: %d, width: %d}\n"
      "    num_classes: %d\n",
      DirectoryName(directory),
      std::filesystem::absolute(directory).lexically_normal().string(),
      format_name, t.channels, t.height, t.width, classes);
  if (!test.has_value()) {
    out << "\nNo test split: export's test accuracy needs "
        << (kind == DataFormat::kIdx ? "t10k-images-idx3-ubyte[.gz] and "
                                       "t10k-labels-idx1-ubyte[.gz]"
                                     : "test_batch.bin")
        << " (or export.evaluate_test_split: false).\n";
  }
  return absl::OkStatus();
}

}  // namespace nasprune::cli
