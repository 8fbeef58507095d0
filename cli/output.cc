#include "cli/output.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace nasprune::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr int64_t kLargestExactInteger = int64_t{1} << 53;

// A cell as text: `table` for the table form (fixed digits, "-" when
// empty), else for CSV (in full, nothing when empty).
std::string Text(const Cell& cell, const Column& column, bool table) {
  struct Visitor {
    const Column& column;
    bool table;
    std::string operator()(std::monostate) const { return table ? "-" : ""; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t n) const { return absl::StrCat(n); }
    std::string operator()(double d) const {
      if (!std::isfinite(d)) return table ? "-" : "";
      return table ? absl::StrFormat("%.*f", column.digits, d)
                   : absl::StrFormat("%.10g", d);
    }
    std::string operator()(bool b) const { return b ? "yes" : "no"; }
  };
  return std::visit(Visitor{column, table}, cell);
}

bool IsNumber(const Cell& cell) {
  return std::holds_alternative<int64_t>(cell) ||
         std::holds_alternative<double>(cell);
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

void NumbersForInt64(const Descriptor& type, nlohmann::json& object);

void FixValue(const FieldDescriptor& field, nlohmann::json& value) {
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    // The well-known types have JSON forms of their own (a Timestamp is a
    // string), without 64-bit integers in them.
    if (field.message_type()->file()->package() != "google.protobuf") {
      NumbersForInt64(*field.message_type(), value);
    }
    return;
  }
  if (!value.is_string()) return;
  const std::string& text = value.get_ref<const std::string&>();
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
    int64_t n = 0;
    if (absl::SimpleAtoi(text, &n) && n <= kLargestExactInteger &&
        n >= -kLargestExactInteger) {
      value = n;
    }
  } else if (field.cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
    uint64_t n = 0;
    if (absl::SimpleAtoi(text, &n) &&
        n <= static_cast<uint64_t>(kLargestExactInteger)) {
      value = n;
    }
  }
}

void NumbersForInt64(const Descriptor& type, nlohmann::json& object) {
  if (!object.is_object()) return;
  for (auto& [key, value] : object.items()) {
    const FieldDescriptor* field = type.FindFieldByName(key);
    if (field == nullptr) continue;
    if (field->is_map()) {
      const FieldDescriptor& map_value = *field->message_type()->map_value();
      for (auto& [map_key, item] : value.items()) FixValue(map_value, item);
    } else if (field->is_repeated()) {
      for (nlohmann::json& item : value) FixValue(*field, item);
    } else {
      FixValue(*field, value);
    }
  }
}

}  // namespace

void PrintTable(const Table& table, std::ostream& out, bool vertical) {
  const size_t n = table.columns.size();
  if (vertical) {
    size_t width = 0;
    for (const Column& c : table.columns)
      width = std::max(width, c.name.size());
    for (size_t r = 0; r < table.rows.size(); ++r) {
      if (r > 0) out << "\n";
      for (size_t c = 0; c < n; ++c) {
        out << absl::StrFormat("%-*s  %s\n", static_cast<int>(width + 1),
                               table.columns[c].name + ":",
                               Text(table.rows[r][c], table.columns[c], true));
      }
    }
    return;
  }
  std::vector<std::vector<std::string>> cells(table.rows.size());
  std::vector<size_t> widths(n);
  std::vector<std::string> header(n);
  // A column with a number in it is right aligned, header and "-" too.
  std::vector<bool> numeric(n, false);
  for (size_t c = 0; c < n; ++c) {
    header[c] = absl::AsciiStrToUpper(table.columns[c].name);
    widths[c] = header[c].size();
  }
  for (size_t r = 0; r < table.rows.size(); ++r) {
    for (size_t c = 0; c < n; ++c) {
      cells[r].push_back(Text(table.rows[r][c], table.columns[c], true));
      widths[c] = std::max(widths[c], cells[r][c].size());
      numeric[c] = numeric[c] || IsNumber(table.rows[r][c]);
    }
  }
  auto line = [&](const std::vector<std::string>& texts) {
    std::string text;
    for (size_t c = 0; c < n; ++c) {
      if (c > 0) text += "  ";
      const int w = static_cast<int>(widths[c]);
      if (numeric[c]) {
        text += absl::StrFormat("%*s", w, texts[c]);
      } else if (c + 1 == n) {
        text += texts[c];  // No trailing blanks.
      } else {
        text += absl::StrFormat("%-*s", w, texts[c]);
      }
    }
    out << text << "\n";
  };
  line(header);
  for (const std::vector<std::string>& row : cells) line(row);
}

void PrintCsv(const Table& table, std::ostream& out) {
  for (size_t c = 0; c < table.columns.size(); ++c) {
    out << (c ? "," : "") << CsvField(table.columns[c].name);
  }
  out << "\r\n";
  for (const std::vector<Cell>& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      out << (c ? "," : "") << CsvField(Text(row[c], table.columns[c], false));
    }
    out << "\r\n";
  }
}

nlohmann::json ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options)
           .ok()) {
    return nlohmann::json::object();  // Not representable (never for ours).
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  NumbersForInt64(*message.GetDescriptor(), json);
  return json;
}

void PrintJson(const nlohmann::json& value, std::ostream& out) {
  out << value.dump(2) << "\n";
}

}  // namespace nasprune::cli
