#ifndef NASPRUNE_CLI_NPY_H_
#define NASPRUNE_CLI_NPY_H_

// NumPy `.npy` files (format versions 1 to 3) of numbers, for `nasprune data
// import`: the header's dtype, order and shape, and the values converted to
// what an IDX file holds (unsigned bytes).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace nasprune::cli {

struct NpyArray {
  std::vector<int64_t> shape;
  std::string dtype;  // As in the header: "|u1", "<f4", ">i8", ...
  char kind = 'u';    // 'b' bool, 'u' unsigned, 'i' signed, 'f' float.
  int item_size = 1;
  bool swap = false;  // Stored in the other byte order than this machine's.
  std::string data;   // The values, in C order.

  int64_t size() const { return static_cast<int64_t>(data.size()) / item_size; }
  // Value `i` (C order) as a double: exact for float32 and for integers up
  // to 2^53.
  double At(int64_t i) const;
};

// Reads a whole .npy file. INVALID_ARGUMENT naming the file for anything but
// a C-order array of bool, signed or unsigned integers or floats (an .npz
// archive, a Fortran-order or object array, a truncated file); NOT_FOUND
// when it cannot be opened.
absl::StatusOr<NpyArray> ReadNpy(const std::string& path);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_NPY_H_
