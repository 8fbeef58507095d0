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
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/field_errors.h"
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

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
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
      const std::string field_path = FieldPath(path, key);
      const FieldDescriptor* field = FindField(descriptor, key);
      if (field == nullptr) {
        Error(entry.first, field_path, UnknownFieldMessage(descriptor, key));
        continue;
      }
      if (!seen.insert(field->number()).second) {
        Error(entry.first, field_path, "set more than once");
        continue;
      }
      if (const auto* oneof = field->real_containing_oneof();
          oneof != nullptr) {
        const auto [it, inserted] = oneofs.emplace(oneof, field->name());
        if (!inserted) {
          Error(
              entry.first, field_path,
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
          Value(value[i], field, IndexPath(field_path, static_cast<int64_t>(i)),
                &json);
        }
        json.push_back(']');
      } else {
        Value(value, field, field_path, &json);
      }
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(field->name(), out);
      out->push_back(':');
      out->append(json);
    }
    out->push_back('}');
  }

  const std::vector<std::string>& errors() const { return errors_; }

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
  void Value(const YAML::Node& node, const FieldDescriptor* field,
             const std::string& path, std::string* out) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message(node, field->message_type(), path, out);
      return;
    }
    if (!node.IsScalar()) {
      Error(node, path,
            absl::StrCat("expected a single value, got ", Kind(node)));
      out->append("null");
      return;
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
                         absl::StrJoin(names, ", ")));
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

  static std::string UnknownFieldMessage(const Descriptor* descriptor,
                                         const std::string& key) {
    std::string best;
    size_t best_distance = 3;  // Suggest only close matches.
    std::vector<std::string> names;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const std::string& name = descriptor->field(i)->name();
      names.push_back(name);
      const size_t d = EditDistance(absl::AsciiStrToLower(key), name);
      if (d < best_distance) {
        best_distance = d;
        best = name;
      }
    }
    if (!best.empty()) {
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

  void Error(const YAML::Node& node, const std::string& path,
             absl::string_view message) {
    const YAML::Mark mark = node.Mark();
    std::string where(source_);
    if (mark.line >= 0) {
      absl::StrAppend(&where, ":", mark.line + 1, ":", mark.column + 1);
    }
    errors_.push_back(absl::StrCat(where, ": ", path.empty() ? "" : path,
                                   path.empty() ? "" : ": ", message));
  }

  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace

std::string ShortEnumName(const EnumValueDescriptor* value) {
  const std::string prefix = EnumPrefix(value->type());
  std::string name = value->name();
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return absl::AsciiStrToLower(name);
}

absl::Status ParseYamlToMessage(absl::string_view text,
                                absl::string_view source,
                                google::protobuf::Message* message) {
  message->Clear();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", e.mark.line + 1, ":", e.mark.column + 1,
                     ": not valid YAML or JSON: ", e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": is empty"));
  }
  YamlToJson converter(source);
  std::string json;
  converter.Message(root, message->GetDescriptor(), "", &json);
  if (!converter.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(converter.errors(), "\n"));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, message, options);
  if (!status.ok()) {
    message->Clear();
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", std::string(status.message())));
  }
  return absl::OkStatus();
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
