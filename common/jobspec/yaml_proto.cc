#include "common/jobspec/yaml_proto.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/jobspec/yaml_text.h"
#include "common/status/field_errors.h"
#include "common/status/suggest.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace nasprune {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;

// "ImportanceCriterion" → "IMPORTANCE_CRITERION_".
std::string EnumPrefix(const EnumDescriptor* type) {
  std::string out;
  for (char c : type->name()) {
    if (absl::ascii_isupper(c) && !out.empty()) out.push_back('_');
    out.push_back(absl::ascii_toupper(c));
  }
  out.push_back('_');
  return out;
}

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out->append(buffer);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

class YamlToJson {
 public:
  explicit YamlToJson(absl::string_view source) : source_(source) {}

  // Appends the JSON of `node` as a `descriptor` message.
  void Message(const YAML::Node& node, const Descriptor* descriptor,
               const std::string& path, std::string* out) {
    if (node.IsNull()) {
      out->append("{}");
      return;
    }
    if (!node.IsMap()) {
      Error(node, path,
            absl::StrCat("expected a mapping of ", descriptor->name(),
                         " fields, got ", Kind(node)));
      out->append("{}");
      return;
    }
    out->push_back('{');
    bool first = true;
    std::set<int> seen;
    std::map<const google::protobuf::OneofDescriptor*, std::string> oneofs;
    for (const auto& entry : node) {
      const std::string key =
          entry.first.IsScalar() ? entry.first.Scalar() : "";
      const FieldDescriptor* field = FindField(descriptor, key);
      if (field == nullptr) {
        Error(entry.first, FieldPath(path, key),
              UnknownFieldMessage(descriptor, key));
        if (const std::string meant = ClosestMatch(key, FieldNames(descriptor));
            !meant.empty()) {
          errors_.back().suggested_path = FieldPath(path, meant);
        }
        continue;
      }
      const std::string field_path = FieldPath(path, field->name());
      Mark(entry.first, field_path);
      if (!seen.insert(field->number()).second) {
        Error(entry.first, FieldPath(path, key), "set more than once");
        continue;
      }
      if (const auto* oneof = field->real_containing_oneof();
          oneof != nullptr) {
        const auto [it, inserted] = oneofs.emplace(oneof, field->name());
        if (!inserted) {
          Error(
              entry.first, FieldPath(path, key),
              absl::StrCat("only one of ", OneofNames(oneof), " may be set; \"",
                           it->second, "\" is set already"));
          continue;
        }
      }
      const YAML::Node& value = entry.second;
      if (value.IsNull() &&
          (field->is_repeated() ||
           field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)) {
        continue;  // Empty value: leave the field unset.
      }
      std::string json;
      if (field->is_map()) {
        Map(value, field, field_path, &json);
      } else if (field->is_repeated()) {
        if (!value.IsSequence()) {
          Error(value, field_path,
                absl::StrCat("expected a list, got ", Kind(value)));
          continue;
        }
        json.push_back('[');
        for (size_t i = 0; i < value.size(); ++i) {
          if (i > 0) json.push_back(',');
          const std::string element_path =
              IndexPath(field_path, static_cast<int64_t>(i));
          Mark(value[i], element_path);
          if (value[i].IsNull()) {
            // `[a,, b]` and a bare `-` both read as an empty entry.
            Error(value[i], element_path,
                  "an empty entry (two commas in a row, or a '-' with "
                  "nothing after it)");
            json.append(Placeholder(field));
            continue;
          }
          Value(value[i], field, element_path, &json);
        }
        json.push_back(']');
      } else if (!Value(value, field, field_path, &json)) {
        continue;  // The problem is recorded; the field stays unset.
      }
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(field->name(), out);
      out->push_back(':');
      out->append(json);
    }
    out->push_back('}');
  }

  bool has_errors() const { return !errors_.empty(); }

 private:
  void Map(const YAML::Node& node, const FieldDescriptor* field,
           const std::string& path, std::string* out) {
    if (!node.IsMap()) {
      Error(node, path, absl::StrCat("expected a mapping, got ", Kind(node)));
      out->append("{}");
      return;
    }
    const FieldDescriptor* value_field = field->message_type()->map_value();
    out->push_back('{');
    bool first = true;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        Error(entry.first, path, "map keys must be plain strings");
        continue;
      }
      const std::string key = entry.first.Scalar();
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(key, out);
      out->push_back(':');
      Value(entry.second, value_field, KeyPath(path, key), out);
    }
    out->push_back('}');
  }

  // One value of a singular field or one element of a repeated one.
  // Appends a placeholder and returns false when the value is not one the
  // field can hold (the problem is recorded).
  bool Value(const YAML::Node& node, const FieldDescriptor* field,
             const std::string& path, std::string* out) {
    const size_t errors_before = errors_.size();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message(node, field->message_type(), path, out);
      return true;  // Its own problems leave its other fields in place.
    }
    if (!node.IsScalar()) {
      Error(node, path,
            absl::StrCat("expected a single value, got ", Kind(node)));
      out->append(Placeholder(field));
      return false;
    }
    const std::string& text = node.Scalar();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        Integer(node, text, path, std::numeric_limits<int32_t>::min(),
                std::numeric_limits<int32_t>::max(), /*quote=*/false, out);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        Integer(node, text, path, 0, std::numeric_limits<uint32_t>::max(),
                false, out);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        Integer(node, text, path, std::numeric_limits<int64_t>::min(),
                std::numeric_limits<int64_t>::max(), true, out);
        break;
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t value;
        if (!absl::SimpleAtoi(text, &value)) {
          Error(node, path,
                absl::StrCat("\"", text, "\" is not a non-negative integer"));
          out->append("0");
        } else {
          absl::StrAppend(out, "\"", value, "\"");
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double value;
        if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
          Error(node, path,
                absl::StrCat("\"", text, "\" is not a finite number"));
          out->append("0");
        } else {
          out->append(FormatDouble(value));
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        const std::string lower = absl::AsciiStrToLower(text);
        if (lower == "true" || lower == "false") {
          out->append(lower);
        } else {
          Error(node, path,
                absl::StrCat("\"", text, "\" is not true or false"));
          out->append("false");
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM:
        Enum(node, text, field->enum_type(), path, out);
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          Error(node, path, "bytes fields cannot be given in a YAML file");
          out->append("\"\"");
        } else {
          AppendJsonString(text, out);
        }
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;  // Handled above.
    }
    return errors_.size() == errors_before;
  }

  void Integer(const YAML::Node& node, const std::string& text,
               const std::string& path, int64_t lo, uint64_t hi, bool quote,
               std::string* out) {
    int64_t value;
    bool ok = absl::SimpleAtoi(text, &value);
    if (!ok) {
      // Accept integral reals such as 1e6 for large limits.
      double real;
      if (absl::SimpleAtod(text, &real) && std::isfinite(real) &&
          real == std::floor(real) && std::fabs(real) < 9.2e18) {
        value = static_cast<int64_t>(real);
        ok = true;
      }
    }
    if (!ok) {
      Error(node, path, absl::StrCat("\"", text, "\" is not an integer"));
      out->append("0");
      return;
    }
    if (value < lo || (value > 0 && static_cast<uint64_t>(value) > hi)) {
      Error(node, path,
            absl::StrCat(value, " does not fit the field (", lo, " to ", hi,
                         ")"));
      out->append("0");
      return;
    }
    if (quote) {
      absl::StrAppend(out, "\"", value, "\"");
    } else {
      absl::StrAppend(out, value);
    }
  }

  void Enum(const YAML::Node& node, const std::string& text,
            const EnumDescriptor* type, const std::string& path,
            std::string* out) {
    std::string upper = absl::AsciiStrToUpper(text);
    std::replace(upper.begin(), upper.end(), '-', '_');
    const EnumValueDescriptor* value = type->FindValueByName(upper);
    if (value == nullptr) {
      value = type->FindValueByName(EnumPrefix(type) + upper);
    }
    if (value == nullptr) {
      std::vector<std::string> names;
      for (int i = 1; i < type->value_count(); ++i) {
        names.push_back(ShortEnumName(type->value(i)));
      }
      Error(node, path,
            absl::StrCat("\"", text, "\" is not one of ",
                         absl::StrJoin(names, ", "), DidYouMean(text, names)));
      out->append("0");
      return;
    }
    AppendJsonString(value->name(), out);
  }

  static const FieldDescriptor* FindField(const Descriptor* descriptor,
                                          const std::string& key) {
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      if (field->name() == key || field->json_name() == key) return field;
    }
    return nullptr;
  }

  // The zero value of a field's type in JSON, for a list entry that is
  // reported and kept in place so that the entries after it keep their
  // indexes.
  static const char* Placeholder(const FieldDescriptor* field) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_BOOL:
        return "false";
      case FieldDescriptor::CPPTYPE_STRING:
        return "\"\"";
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return "{}";
      default:
        return "0";
    }
  }

  static std::vector<std::string> FieldNames(const Descriptor* descriptor) {
    std::vector<std::string> names;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      names.push_back(descriptor->field(i)->name());
    }
    return names;
  }

  static std::string UnknownFieldMessage(const Descriptor* descriptor,
                                         const std::string& key) {
    const std::vector<std::string> names = FieldNames(descriptor);
    if (const std::string best = ClosestMatch(key, names); !best.empty()) {
      return absl::StrCat("unknown field; did you mean \"", best, "\"?");
    }
    return absl::StrCat("unknown field; ", descriptor->name(), " has ",
                        absl::StrJoin(names, ", "));
  }

  static std::string OneofNames(
      const google::protobuf::OneofDescriptor* oneof) {
    std::vector<std::string> names;
    for (int i = 0; i < oneof->field_count(); ++i) {
      names.push_back(oneof->field(i)->name());
    }
    return absl::StrJoin(names, ", ");
  }

  static std::string Kind(const YAML::Node& node) {
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a mapping";
    if (node.IsNull()) return "nothing";
    return absl::StrCat("\"", node.Scalar(), "\"");
  }

  void Mark(const YAML::Node& node, const std::string& path) {
    const YAML::Mark mark = node.Mark();
    if (mark.line >= 0) {
      positions_.emplace(path, TextPosition{mark.line + 1, mark.column + 1});
    }
  }

  void Error(const YAML::Node& node, const std::string& path,
             absl::string_view message) {
    const YAML::Mark mark = node.Mark();
    ParseProblem problem{.path = path};
    if (mark.line >= 0) problem.at = {mark.line + 1, mark.column + 1};
    problem.text =
        absl::StrCat(Where(source_, problem.at), ": ", path.empty() ? "" : path,
                     path.empty() ? "" : ": ", message);
    errors_.push_back(std::move(problem));
  }

 public:
  std::vector<ParseProblem> TakeErrors() { return std::move(errors_); }
  std::map<std::string, TextPosition> TakePositions() {
    return std::move(positions_);
  }

 private:
  std::string source_;
  std::vector<ParseProblem> errors_;
  std::map<std::string, TextPosition> positions_;
};

}  // namespace

std::string ShortEnumName(const EnumValueDescriptor* value) {
  const std::string prefix = EnumPrefix(value->type());
  std::string name = value->name();
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return absl::AsciiStrToLower(name);
}

TextPosition ParseReport::PositionOf(absl::string_view path) const {
  std::string p(path);
  while (true) {
    if (auto it = positions.find(p); it != positions.end()) return it->second;
    const size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) return {};
    p.resize(cut);
  }
}

ParseReport ParseYamlKeepGoing(absl::string_view text, absl::string_view source,
                               google::protobuf::Message* message) {
  message->Clear();
  ParseReport report;
  if (std::string binary = BinaryProblem(text); !binary.empty()) {
    report.problems.push_back({.text = absl::StrCat(source, ": ", binary)});
    return report;
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    const SyntaxError error = ExplainSyntaxError(text, e);
    report.problems.push_back(
        {.at = error.at,
         .text = absl::StrCat(Where(source, error.at), ": ", error.message)});
    return report;
  }
  if (!root.IsDefined() || root.IsNull()) {
    report.problems.push_back({.text = absl::StrCat(source, ": is empty")});
    return report;
  }
  report.syntax_ok = root.IsMap();  // Else its one problem is the top level.
  YamlToJson converter(source);
  std::string json;
  converter.Message(root, message->GetDescriptor(), "", &json);
  report.problems = converter.TakeErrors();
  report.positions = converter.TakePositions();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, message, options);
  if (!status.ok()) {
    // Nothing of it is usable; its problems are all there is to report.
    message->Clear();
    report.syntax_ok = false;
    if (report.problems.empty()) {
      report.problems.push_back(
          {.text = absl::StrCat(source, ": ", std::string(status.message()))});
    }
  }
  return report;
}

absl::Status ParseYamlToMessage(absl::string_view text,
                                absl::string_view source,
                                google::protobuf::Message* message) {
  ParseReport report = ParseYamlKeepGoing(text, source, message);
  if (report.problems.empty()) return absl::OkStatus();
  message->Clear();
  std::vector<std::string> lines;
  for (const ParseProblem& p : report.problems) lines.push_back(p.text);
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path,
                                         size_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string reason = std::strerror(err);
    if (err == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(path, ": ", reason));
    }
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", reason));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string data = std::move(buffer).str();
  if (data.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", data.size(), " bytes is over the limit of ", max_bytes));
  }
  return data;
}

absl::Status LoadYamlFile(const std::string& path,
                          google::protobuf::Message* message) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return ParseYamlToMessage(*text, path, message);
}

}  // namespace nasprune
