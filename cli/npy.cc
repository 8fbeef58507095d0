#include "cli/npy.h"

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace nasprune::cli {
namespace {

absl::Status Bad(const std::string& path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

// The value of `key` in the header's Python dict literal, as written.
std::string DictValue(absl::string_view header, absl::string_view key) {
  const std::string quoted = absl::StrCat("'", key, "'");
  size_t at = header.find(quoted);
  if (at == absl::string_view::npos) return "";
  at = header.find(':', at + quoted.size());
  if (at == absl::string_view::npos) return "";
  absl::string_view rest =
      absl::StripLeadingAsciiWhitespace(header.substr(at + 1));
  size_t end = 0;
  if (!rest.empty() && rest[0] == '(') {
    end = rest.find(')');
    if (end == absl::string_view::npos) return "";
    ++end;
  } else if (!rest.empty() && (rest[0] == '\'' || rest[0] == '"')) {
    end = rest.find(rest[0], 1);
    if (end == absl::string_view::npos) return "";
    ++end;
  } else {
    end = rest.find_first_of(",}");
    if (end == absl::string_view::npos) end = rest.size();
  }
  return std::string(absl::StripAsciiWhitespace(rest.substr(0, end)));
}

template <typename T>
T Load(const char* p, bool swap) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  if (swap) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    for (size_t i = 0; i < sizeof(T) / 2; ++i) {
      std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
    }
    std::memcpy(&value, bytes, sizeof(T));
  }
  return value;
}

}  // namespace

absl::StatusOr<NpyArray> ReadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string data = std::move(buffer).str();
  if (data.size() >= 4 && data.compare(0, 4, "PK\x03\x04") == 0) {
    return Bad(path,
               "is an .npz archive; save each array on its own with "
               "numpy.save (for example x_train.npy and y_train.npy)");
  }
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0) {
    return Bad(path, "is not a NumPy .npy file (no \\x93NUMPY magic)");
  }
  const int major = static_cast<unsigned char>(data[6]);
  size_t header_length = 0, offset = 0;
  if (major == 1) {
    header_length = static_cast<unsigned char>(data[8]) |
                    (static_cast<unsigned char>(data[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12) return Bad(path, "truncated .npy header");
    for (int i = 0; i < 4; ++i) {
      header_length |= size_t{static_cast<unsigned char>(data[8 + i])}
                       << (8 * i);
    }
    offset = 12;
  } else {
    return Bad(path, absl::StrCat(".npy format version ", major,
                                  " is not one this reader knows (1 to 3)"));
  }
  if (data.size() < offset + header_length) {
    return Bad(path, "truncated .npy header");
  }
  const std::string header = data.substr(offset, header_length);
  const size_t payload = offset + header_length;

  NpyArray array;
  array.dtype = DictValue(header, "descr");
  if (array.dtype.size() >= 2 &&
      (array.dtype.front() == '\'' || array.dtype.front() == '"')) {
    array.dtype = array.dtype.substr(1, array.dtype.size() - 2);
  }
  if (DictValue(header, "fortran_order") == "True") {
    return Bad(path,
               "is in Fortran order; save numpy.ascontiguousarray(a) instead");
  }
  std::string shape = DictValue(header, "shape");
  if (shape.size() < 2 || shape.front() != '(') {
    return Bad(path, "has no shape in its header");
  }
  shape = shape.substr(1, shape.size() - 2);
  int64_t count = 1;
  for (absl::string_view part :
       absl::StrSplit(shape, ',', absl::SkipWhitespace())) {
    int64_t dim = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(part), &dim) || dim < 0) {
      return Bad(path, absl::StrCat("bad shape (", shape, ") in its header"));
    }
    array.shape.push_back(dim);
    // No product of the dimensions may exceed the file's size.
    if (__builtin_mul_overflow(count, dim, &count) ||
        count > static_cast<int64_t>(data.size())) {
      return Bad(path, absl::StrCat("shape (", shape,
                                    ") is larger than the "
                                    "file"));
    }
  }

  const std::string& d = array.dtype;
  if (d.size() < 3) return Bad(path, absl::StrCat("unknown dtype \"", d, "\""));
  const char order = d[0], kind = d[1];
  int size = 0;
  if (!absl::SimpleAtoi(d.substr(2), &size)) size = 0;
  const bool little = std::endian::native == std::endian::little;
  const bool swap = (order == '<' && !little) || (order == '>' && little);
  const bool known = (kind == 'b' && size == 1) ||
                     ((kind == 'u' || kind == 'i') &&
                      (size == 1 || size == 2 || size == 4 || size == 8)) ||
                     (kind == 'f' && (size == 4 || size == 8));
  if (!known) {
    return Bad(path, absl::StrCat("dtype \"", d,
                                  "\" is not bool, an integer or float32/64 "
                                  "(convert it with a.astype(numpy.uint8))"));
  }
  // count is at most the file size, so the product cannot overflow.
  if (data.size() - payload != static_cast<size_t>(count) * size) {
    return Bad(path,
               absl::StrCat("holds ", data.size() - payload,
                            " bytes of data; its header (", d, ", shape (",
                            shape, ")) promises ", count * size));
  }
  array.kind = kind;
  array.item_size = size;
  array.swap = swap;
  array.data = data.substr(payload);
  return array;
}

double NpyArray::At(int64_t i) const {
  const char* p = data.data() + i * item_size;
  switch (kind) {
    case 'b':
    case 'u':
      return item_size == 1   ? Load<uint8_t>(p, false)
             : item_size == 2 ? Load<uint16_t>(p, swap)
             : item_size == 4 ? Load<uint32_t>(p, swap)
                              : static_cast<double>(Load<uint64_t>(p, swap));
    case 'i':
      return item_size == 1   ? Load<int8_t>(p, false)
             : item_size == 2 ? Load<int16_t>(p, swap)
             : item_size == 4 ? Load<int32_t>(p, swap)
                              : static_cast<double>(Load<int64_t>(p, swap));
    default:
      return item_size == 4 ? Load<float>(p, swap) : Load<double>(p, swap);
  }
}

}  // namespace nasprune::cli
