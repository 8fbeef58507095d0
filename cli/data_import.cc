#include "cli/data_import.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/data_commands.h"
#include "cli/npy.h"
#include "common/random/rng.h"
#include "stb_image.h"
#include "stb_image_resize.h"

namespace nasprune::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxClasses = 256;  // One label byte.
constexpr int kMaxSide = 1024;    // As dataset.shape allows.

// Images as unsigned bytes in N×H×W×C order (IDX's), with their labels.
struct Split {
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
};

struct Imported {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::vector<std::string> class_names;  // Empty for arrays.
  Split train;
  Split test;
};

absl::Status Bad(absl::string_view where, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
}

bool IsImageFile(const fs::path& path) {
  const std::string ext = absl::AsciiStrToLower(path.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<fs::path> Sorted(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (directories ? e.is_directory() : e.is_regular_file()) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One image (a file, or an entry of an array) and its class.
struct Item {
  fs::path path;
  int label = 0;
  int width = 0;
  int height = 0;
  int components = 0;
  size_t index = 0;  // Of an array's image.
};

// The images of `root`/<class>/ for each class name.
// `test_split`: the test/ of a split source, which may lack a class.
absl::Status ListClassImages(const fs::path& root,
                             const std::vector<std::string>& classes,
                             bool test_split, std::vector<Item>* items) {
  for (size_t c = 0; c < classes.size(); ++c) {
    const fs::path dir = root / classes[c];
    if (!fs::is_directory(dir)) continue;  // A test split may lack a class.
    int found = 0;
    for (const fs::path& file : Sorted(dir, /*directories=*/false)) {
      if (!IsImageFile(file)) continue;
      Item item{.path = file, .label = static_cast<int>(c)};
      if (stbi_info(file.c_str(), &item.width, &item.height,
                    &item.components) == 0) {
        return Bad(file.string(), absl::StrCat("cannot be read as an image (",
                                               stbi_failure_reason(), ")"));
      }
      items->push_back(std::move(item));
      ++found;
    }
    if (found == 0 && !test_split) {
      return Bad(dir.string(), "holds no .png, .jpg, .jpeg or .bmp images");
    }
  }
  return absl::OkStatus();
}

// Decodes `items` into `split` at the chosen shape.
absl::Status Decode(const std::vector<Item>& items, const Imported& shape,
                    Split* split) {
  const size_t image_bytes =
      size_t{static_cast<size_t>(shape.channels)} * shape.height * shape.width;
  split->pixels.reserve(split->pixels.size() + items.size() * image_bytes);
  std::vector<uint8_t> resized(image_bytes);
  for (const Item& item : items) {
    int w = 0, h = 0, n = 0;
    stbi_uc* pixels = stbi_load(item.path.c_str(), &w, &h, &n, shape.channels);
    if (pixels == nullptr) {
      return Bad(item.path.string(), absl::StrCat("cannot be decoded (",
                                                  stbi_failure_reason(), ")"));
    }
    const uint8_t* source = pixels;
    if (w != shape.width || h != shape.height) {
      if (stbir_resize_uint8(pixels, w, h, 0, resized.data(), shape.width,
                             shape.height, 0, shape.channels) == 0) {
        stbi_image_free(pixels);
        return Bad(item.path.string(), "cannot be resized");
      }
      source = resized.data();
    }
    split->pixels.insert(split->pixels.end(), source, source + image_bytes);
    split->labels.push_back(static_cast<uint8_t>(item.label));
    stbi_image_free(pixels);
  }
  return absl::OkStatus();
}

// Holds out round(fraction × n) of each class (at least one image stays in
// training), chosen by `seed`.
void HoldOut(std::vector<Item>* train, std::vector<Item>* test, double fraction,
             uint64_t seed) {
  if (fraction <= 0) return;
  std::map<int, std::vector<Item>> by_class;
  for (Item& item : *train) by_class[item.label].push_back(std::move(item));
  train->clear();
  Rng rng(seed);
  for (auto& [label, items] : by_class) {
    rng.Shuffle(items);
    const size_t held =
        std::min(items.size() - 1,
                 static_cast<size_t>(std::llround(fraction * items.size())));
    test->insert(test->end(), items.end() - held, items.end());
    train->insert(train->end(), items.begin(), items.end() - held);
  }
}

absl::Status ImportFolder(const ImportOptions& o, Imported* out) {
  const fs::path root = o.source;
  const bool presplit =
      fs::is_directory(root / "train") && fs::is_directory(root / "test");
  const fs::path train_root = presplit ? root / "train" : root;
  for (const fs::path& dir : Sorted(train_root, /*directories=*/true)) {
    out->class_names.push_back(dir.filename().string());
  }
  if (out->class_names.size() < 2) {
    return Bad(train_root.string(),
               absl::StrCat("has ", out->class_names.size(),
                            " class folder(s); a data set needs at least 2 "
                            "(one sub-folder of images per class)"));
  }
  if (out->class_names.size() > kMaxClasses) {
    return Bad(train_root.string(),
               absl::StrCat("has ", out->class_names.size(),
                            " class folders; IDX labels are one byte, so at "
                            "most ",
                            kMaxClasses));
  }
  std::vector<Item> train, test;
  if (absl::Status s = ListClassImages(train_root, out->class_names,
                                       /*test_split=*/false, &train);
      !s.ok()) {
    return s;
  }
  if (presplit) {
    for (const fs::path& dir : Sorted(root / "test", /*directories=*/true)) {
      const std::string name = dir.filename().string();
      if (std::find(out->class_names.begin(), out->class_names.end(), name) ==
          out->class_names.end()) {
        return Bad(dir.string(),
                   absl::StrCat("class \"", name, "\" is not among ",
                                (root / "train").string(), "'s classes"));
      }
    }
    if (absl::Status s = ListClassImages(root / "test", out->class_names,
                                         /*test_split=*/true, &test);
        !s.ok()) {
      return s;
    }
  } else {
    HoldOut(&train, &test, o.test_fraction, o.seed);
  }

  // The shape: the images' own unless one was asked for.
  bool color = false;
  for (const std::vector<Item>* items : {&train, &test}) {
    for (const Item& item : *items) color |= item.components >= 3;
  }
  out->channels = o.channels > 0 ? o.channels : (color ? 3 : 1);
  if (o.height > 0) {
    out->height = o.height;
    out->width = o.width;
  } else {
    const Item& first = train.front();
    for (const std::vector<Item>* items : {&train, &test}) {
      for (const Item& item : *items) {
        if (item.width != first.width || item.height != first.height) {
          return Bad(
              item.path.string(),
              absl::StrFormat("is %dx%d (width x height) but %s is %dx%d; "
                              "give --size HxW to resize every image",
                              item.width, item.height, first.path.string(),
                              first.width, first.height));
        }
      }
    }
    out->height = first.height;
    out->width = first.width;
  }
  if (out->height > kMaxSide || out->width > kMaxSide) {
    return Bad(o.source,
               absl::StrFormat("images are %dx%d; at most %dx%d "
                               "(give --size HxW to shrink them)",
                               out->height, out->width, kMaxSide, kMaxSide));
  }
  if (absl::Status s = Decode(train, *out, &out->train); !s.ok()) return s;
  return Decode(test, *out, &out->test);
}

// An images .npy as N×H×W×C bytes; `shape` gets C, H, W.
absl::Status NpyImages(const std::string& path, Imported* shape, Split* split) {
  absl::StatusOr<NpyArray> array = ReadNpy(path);
  if (!array.ok()) return array.status();
  const std::vector<int64_t>& s = array->shape;
  int64_t n = 0, h = 0, w = 0, c = 1;
  bool channels_first = false;
  if (s.size() == 3) {
    n = s[0], h = s[1], w = s[2];
  } else if (s.size() == 4 && (s[3] == 1 || s[3] == 3 || s[3] == 4)) {
    n = s[0], h = s[1], w = s[2], c = s[3];
  } else if (s.size() == 4 && (s[1] == 1 || s[1] == 3 || s[1] == 4)) {
    n = s[0], c = s[1], h = s[2], w = s[3];
    channels_first = true;
  } else {
    return Bad(path, absl::StrCat("has shape (", absl::StrJoin(s, ", "),
                                  "); images are N×H×W, N×H×W×C or N×C×H×W "
                                  "with C of 1, 3 or 4"));
  }
  if (n == 0 || h < 1 || w < 1 || h > kMaxSide || w > kMaxSide) {
    return Bad(path,
               absl::StrCat("has shape (", absl::StrJoin(s, ", "),
                            "); need N ≥ 1 and sides of 1 to ", kMaxSide));
  }
  const int64_t kept = c == 4 ? 3 : c;  // Alpha is dropped.
  if (shape->channels != 0 &&
      (shape->channels != kept || shape->height != h || shape->width != w)) {
    return Bad(path, absl::StrFormat("holds %dx%dx%d images, the training "
                                     "split %dx%dx%d",
                                     kept, h, w, shape->channels, shape->height,
                                     shape->width));
  }
  shape->channels = static_cast<int>(kept);
  shape->height = static_cast<int>(h);
  shape->width = static_cast<int>(w);
  double max = 0;
  for (int64_t i = 0; i < array->size(); ++i) {
    const double v = array->At(i);
    if (!(v >= 0) || !std::isfinite(v)) {
      return Bad(path, absl::StrCat("value ", v, " at index ", i,
                                    " is negative or not finite"));
    }
    max = std::max(max, v);
  }
  if (max > 255) {
    return Bad(path,
               absl::StrCat("holds values up to ", max,
                            "; pixels are 0 to 255 (or floats in [0, 1])"));
  }
  // Floats of at most 1 are taken as [0, 1].
  const double scale = array->kind == 'f' && max <= 1.0 ? 255.0 : 1.0;
  const size_t plane = static_cast<size_t>(h * w);
  split->pixels.resize(static_cast<size_t>(n) * plane * kept);
  for (int64_t i = 0; i < n; ++i) {
    for (size_t p = 0; p < plane; ++p) {
      for (int64_t k = 0; k < kept; ++k) {
        const int64_t from =
            channels_first ? (i * c + k) * plane + p : (i * plane + p) * c + k;
        split->pixels[(i * plane + p) * kept + k] = static_cast<uint8_t>(
            std::lround(std::min(255.0, array->At(from) * scale)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status NpyLabels(const std::string& path, int64_t count, Split* split) {
  absl::StatusOr<NpyArray> array = ReadNpy(path);
  if (!array.ok()) return array.status();
  if (array->shape.size() != 1 &&
      !(array->shape.size() == 2 && array->shape[1] == 1)) {
    return Bad(path,
               absl::StrCat("has shape (", absl::StrJoin(array->shape, ", "),
                            "); labels are one integer per image (N)"));
  }
  if (array->size() != count) {
    return Bad(path, absl::StrCat("has ", array->size(), " labels for ", count,
                                  " images"));
  }
  if (array->kind == 'f') {
    return Bad(path, absl::StrCat("holds ", array->dtype,
                                  " values; labels are integers (class "
                                  "indices 0, 1, ...)"));
  }
  for (int64_t i = 0; i < count; ++i) {
    const double v = array->At(i);
    if (v < 0 || v >= kMaxClasses) {
      return Bad(path, absl::StrCat("label ", v, " of image ", i,
                                    " is outside 0..", kMaxClasses - 1));
    }
    split->labels.push_back(static_cast<uint8_t>(v));
  }
  return absl::OkStatus();
}

absl::Status ImportArrays(const ImportOptions& o, Imported* out) {
  if (o.labels.empty()) {
    return Bad("--labels", "required with an .npy source (the labels .npy)");
  }
  if (o.test_images.empty() != o.test_labels.empty()) {
    return Bad(o.test_images.empty() ? "--test-images" : "--test-labels",
               "--test-images and --test-labels go together");
  }
  Split all;
  if (absl::Status s = NpyImages(o.source, out, &all); !s.ok()) return s;
  const size_t image_bytes =
      static_cast<size_t>(out->channels) * out->height * out->width;
  const int64_t n = static_cast<int64_t>(all.pixels.size() / image_bytes);
  if (absl::Status s = NpyLabels(o.labels, n, &all); !s.ok()) return s;
  if (!o.test_images.empty()) {
    out->train = std::move(all);
    if (absl::Status s = NpyImages(o.test_images, out, &out->test); !s.ok()) {
      return s;
    }
    return NpyLabels(
        o.test_labels,
        static_cast<int64_t>(out->test.pixels.size() / image_bytes),
        &out->test);
  }
  // A stratified hold-out, as for folders.
  std::vector<Item> train, test;
  for (int64_t i = 0; i < n; ++i) {
    train.push_back({.label = all.labels[i], .index = static_cast<size_t>(i)});
  }
  HoldOut(&train, &test, o.test_fraction, o.seed);
  auto take = [&](const std::vector<Item>& items, Split* split) {
    for (const Item& item : items) {
      const size_t i = item.index;
      split->pixels.insert(split->pixels.end(),
                           all.pixels.begin() + i * image_bytes,
                           all.pixels.begin() + (i + 1) * image_bytes);
      split->labels.push_back(all.labels[i]);
    }
  };
  take(train, &out->train);
  take(test, &out->test);
  return absl::OkStatus();
}

// The examples of a split in an order fixed by `seed` (class folders are
// read class by class).
void Shuffle(Split* split, size_t image_bytes, uint64_t seed) {
  std::vector<size_t> order(split->labels.size());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  rng.Shuffle(order);
  Split shuffled;
  shuffled.pixels.reserve(split->pixels.size());
  for (size_t i : order) {
    shuffled.pixels.insert(shuffled.pixels.end(),
                           split->pixels.begin() + i * image_bytes,
                           split->pixels.begin() + (i + 1) * image_bytes);
    shuffled.labels.push_back(split->labels[i]);
  }
  *split = std::move(shuffled);
}

void BigEndian(uint32_t v, std::string* out) {
  for (int shift : {24, 16, 8, 0})
    out->push_back(static_cast<char>(v >> shift));
}

absl::Status WriteFile(const fs::path& path, const std::string& header,
                       const std::vector<uint8_t>& data) {
  std::ofstream file(path, std::ios::binary);
  file.write(header.data(), static_cast<std::streamsize>(header.size()));
  file.write(reinterpret_cast<const char*>(data.data()),
             static_cast<std::streamsize>(data.size()));
  file.close();
  if (!file)
    return absl::InternalError(absl::StrCat(path.string(), ": write failed"));
  return absl::OkStatus();
}

// An IDX pair: images (0x803 N×H×W for one channel, 0x804 N×H×W×C) and
// labels (0x801).
absl::Status WriteIdx(const fs::path& dir, const std::string& prefix,
                      const Imported& d, const Split& split) {
  const uint32_t n = static_cast<uint32_t>(split.labels.size());
  std::string header;
  BigEndian(d.channels == 1 ? 0x00000803 : 0x00000804, &header);
  BigEndian(n, &header);
  BigEndian(d.height, &header);
  BigEndian(d.width, &header);
  if (d.channels != 1) BigEndian(d.channels, &header);
  if (absl::Status s = WriteFile(dir / (prefix + "-images-idx3-ubyte"), header,
                                 split.pixels);
      !s.ok()) {
    return s;
  }
  header.clear();
  BigEndian(0x00000801, &header);
  BigEndian(n, &header);
  return WriteFile(dir / (prefix + "-labels-idx1-ubyte"), header, split.labels);
}

absl::Status CheckOptions(const ImportOptions& o) {
  std::error_code error;
  if (!fs::exists(o.source, error)) {
    return absl::NotFoundError(absl::StrCat(o.source, ": does not exist"));
  }
  if (o.output.empty()) return Bad("--output", "must be given");
  if (fs::exists(o.output, error) &&
      !(fs::is_directory(o.output, error) && fs::is_empty(o.output, error))) {
    return Bad(o.output, "exists and is not an empty folder; choose a new one");
  }
  if (!(o.test_fraction >= 0 && o.test_fraction <= 0.5)) {
    return Bad("--test-fraction",
               absl::StrCat(o.test_fraction, " is outside [0, 0.5]"));
  }
  if (o.channels != 0 && o.channels != 1 && o.channels != 3) {
    return Bad("--channels", absl::StrCat(o.channels, " is not 1 or 3"));
  }
  if ((o.height > 0) != (o.width > 0) || o.height < 0 || o.width < 0 ||
      o.height > kMaxSide || o.width > kMaxSide) {
    return Bad("--size", absl::StrFormat("%dx%d: both sides 1 to %d", o.height,
                                         o.width, kMaxSide));
  }
  const bool npy = fs::is_regular_file(o.source, error);
  if (npy && (o.channels != 0 || o.height != 0)) {
    return Bad(o.channels != 0 ? "--channels" : "--size",
               "only for a folder of images (arrays keep their shape)");
  }
  if (!npy &&
      (!o.labels.empty() || !o.test_images.empty() || !o.test_labels.empty())) {
    return Bad(!o.labels.empty() ? "--labels" : "--test-images",
               "only with an .npy source");
  }
  return absl::OkStatus();
}

}  // namespace

static absl::Status Import(const ImportOptions& o, OutputFormat output,
                           std::ostream& out) {
  if (absl::Status s = CheckOptions(o); !s.ok()) return s;
  Imported data;
  const bool npy = fs::is_regular_file(o.source);
  absl::Status read = npy ? ImportArrays(o, &data) : ImportFolder(o, &data);
  if (!read.ok()) return read;
  const size_t image_bytes =
      static_cast<size_t>(data.channels) * data.height * data.width;
  Shuffle(&data.train, image_bytes, o.seed);
  Shuffle(&data.test, image_bytes, o.seed + 1);

  // Written beside the target under another name, then renamed: a failure
  // leaves nothing behind.
  // The folder itself, not a link to it ("dir/" and "." name the folder).
  fs::path target = fs::weakly_canonical(fs::absolute(o.output));
  if (target.filename().empty()) target = target.parent_path();
  const fs::path temporary =
      target.parent_path() /
      absl::StrCat(".", target.filename().string(), ".import-", getpid());
  std::error_code error;
  if (!fs::is_directory(target.parent_path(), error)) {
    return Bad(target.string(),
               "its parent folder does not exist; create it first");
  }
  fs::remove_all(temporary, error);
  if (!fs::create_directory(temporary, error)) {
    return Bad(target.parent_path().string(),
               absl::StrCat("cannot create a folder here: ",
                            error ? error.message() : "it exists"));
  }
  absl::Status written = WriteIdx(temporary, "train", data, data.train);
  if (written.ok() && !data.test.labels.empty()) {
    written = WriteIdx(temporary, "t10k", data, data.test);
  }
  if (written.ok() && !data.class_names.empty()) {
    std::ofstream names(temporary / "classes.txt");
    for (const std::string& name : data.class_names) names << name << "\n";
    if (!names) written = absl::InternalError("classes.txt: write failed");
  }
  if (written.ok()) {
    fs::remove(target, error);  // An empty folder, if any.
    fs::rename(temporary, target, error);
    if (error) {
      written = absl::InternalError(absl::StrCat(
          target.string(), ": cannot rename into place: ", error.message()));
    }
  }
  if (!written.ok()) {
    fs::remove_all(temporary, error);
    return written;
  }
  if (output == OutputFormat::kTable) {
    out << absl::StrFormat(
        "imported %d training and %d test images, %dx%dx%d, into %s\n",
        data.train.labels.size(), data.test.labels.size(), data.channels,
        data.height, data.width, target.string());
    out << "\n";
  }
  return DataCheckCommand(target.string(), "idx", 0, output, out);
}

absl::Status DataImportCommand(const ImportOptions& options,
                               OutputFormat output, std::ostream& out) {
  // A folder this user may not read is named, not a crash.
  try {
    return Import(options, output, out);
  } catch (const fs::filesystem_error& e) {
    return absl::PermissionDeniedError(
        absl::StrCat(e.path1().string(), ": ", e.code().message()));
  }
}

}  // namespace nasprune::cli
