#ifndef NASPRUNE_CLI_OUTPUT_H_
#define NASPRUNE_CLI_OUTPUT_H_

// How the CLI's commands print what they read, in the three forms of
// `--output`: an aligned table for people, CSV for spreadsheets, JSON for
// scripts.
//
// - A Table is typed: each cell is text, an integer, a number, a flag or
//   empty. The table form prints numbers with the column's digits, right
//   aligned, and empty cells as "-"; CSV (RFC 4180) prints them in full and
//   empty cells as nothing.
// - JSON is the API's own message (the proto3 JSON mapping, field names as
//   in the .proto files, every field present), with one change: 64-bit
//   integers are numbers, not strings, when a double holds them exactly
//   (|n| ≤ 2^53); beyond that they stay strings, as the mapping says.

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "google/protobuf/message.h"
#include "nlohmann/json.hpp"

// GCC 12 warns that a Cell's std::string "may be used uninitialized" when
// rows are built from braced lists of cells (a known false positive of its
// variant analysis at -O2); clang does not.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nasprune::cli {

enum class OutputFormat { kTable, kJson, kCsv };

// The names `--output` accepts, for the flag's parser and help.
inline constexpr const char* kOutputFormatNames[] = {"table", "json", "csv"};

using Cell = std::variant<std::monostate, std::string, int64_t, double, bool>;

struct Column {
  std::string name;  // snake_case; the header of CSV, upper-cased in tables.
  int digits = 4;    // Decimals of a double in the table form.
};

struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;  // Each as long as `columns`.
};

// The table form: a header, then one line per row, columns two spaces
// apart. `vertical` prints each row as "name: value" lines instead (for one
// record with many fields), rows separated by a blank line.
void PrintTable(const Table& table, std::ostream& out, bool vertical = false);
void PrintCsv(const Table& table, std::ostream& out);

// A message in the proto3 JSON mapping, 64-bit integers as numbers (above).
nlohmann::json ToJson(const google::protobuf::Message& message);

// Prints `value` indented by two, with a newline.
void PrintJson(const nlohmann::json& value, std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_OUTPUT_H_
