#include "common/canonical/canonical.h"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/field_errors.h"
#include "google/protobuf/descriptor.h"

namespace nasprune {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void AppendMessage(const Message& message, std::string* out);

// Appends the value of a singular field, or of element `index` of a repeated
// one when index ≥ 0.
void AppendValue(const Message& message, const FieldDescriptor* field,
                 int index, std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, rep ? r->GetRepeatedInt32(message, field, index)
                               : r->GetInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, rep ? r->GetRepeatedInt64(message, field, index)
                               : r->GetInt64(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt32(message, field, index)
                               : r->GetUInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt64(message, field, index)
                               : r->GetUInt64(message, field));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      out->append(FormatDouble(rep ? r->GetRepeatedDouble(message, field, index)
                                   : r->GetDouble(message, field)));
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      // Through double: the float's exact value, printed round-trippably.
      out->append(FormatDouble(rep ? r->GetRepeatedFloat(message, field, index)
                                   : r->GetFloat(message, field)));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(message, field, index)
                       : r->GetBool(message, field))
                      ? "true"
                      : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = rep ? r->GetRepeatedEnumValue(message, field, index)
                             : r->GetEnumValue(message, field);
      const auto* value = field->enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        out->append(value->name());
      } else {
        absl::StrAppend(out, number);  // Unknown value of an open enum.
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string value =
          rep ? r->GetRepeatedString(message, field, index)
              : r->GetString(message, field);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        out->append(absl::BytesToHexString(value));
      } else {
        absl::StrAppend(out, "\"", absl::CEscape(value), "\"");
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(rep ? r->GetRepeatedMessage(message, field, index)
                        : r->GetMessage(message, field),
                    out);
      break;
  }
}

void AppendMessage(const Message& message, std::string* out) {
  const auto* descriptor = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    fields.push_back(descriptor->field(i));
  }
  std::sort(fields.begin(), fields.end(),
            [](const FieldDescriptor* a, const FieldDescriptor* b) {
              return a->number() < b->number();
            });
  out->push_back('{');
  for (const FieldDescriptor* field : fields) {
    std::string value;
    if (field->is_map()) {
      const int n = r->FieldSize(message, field);
      if (n == 0) continue;
      std::vector<std::pair<std::string, std::string>> entries;
      for (int i = 0; i < n; ++i) {
        const Message& entry = r->GetRepeatedMessage(message, field, i);
        const auto* entry_desc = entry.GetDescriptor();
        std::string key, val;
        AppendValue(entry, entry_desc->map_key(), -1, &key);
        AppendValue(entry, entry_desc->map_value(), -1, &val);
        entries.emplace_back(std::move(key), std::move(val));
      }
      std::sort(entries.begin(), entries.end());
      value.push_back('[');
      for (const auto& [k, v] : entries)
        absl::StrAppend(&value, k, ":", v, ",");
      value.push_back(']');
    } else if (field->is_repeated()) {
      const int n = r->FieldSize(message, field);
      if (n == 0) continue;
      value.push_back('[');
      for (int i = 0; i < n; ++i) {
        AppendValue(message, field, i, &value);
        value.push_back(',');
      }
      value.push_back(']');
    } else {
      if (!r->HasField(message, field)) continue;
      AppendValue(message, field, -1, &value);
      if (value == "{}") continue;
      // Implicit-presence reals report -0 as set; it encodes as the default.
      if (!field->has_presence() && value == "0") continue;
    }
    absl::StrAppend(out, field->name(), "=", value, ";");
  }
  out->push_back('}');
}

}  // namespace

std::string CanonicalText(const google::protobuf::Message& message) {
  std::string out;
  AppendMessage(message, &out);
  return out;
}

namespace {

// SHA-256 over the concatenation of `parts`, raw bytes.
std::string Sha256(std::initializer_list<absl::string_view> parts) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (absl::string_view part : parts) {
    EVP_DigestUpdate(ctx, part.data(), part.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  return absl::BytesToHexString(Sha256({data}));
}

Sha256Stream::Sha256Stream() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), EVP_sha256(), nullptr);
}

Sha256Stream::~Sha256Stream() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_));
}

void Sha256Stream::Update(absl::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data.data(),
                   data.size());
}

std::string Sha256Stream::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest, &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string Hash128Hex(absl::string_view domain, absl::string_view data) {
  const std::string digest = Sha256({domain, absl::string_view("\0", 1), data});
  return absl::BytesToHexString(absl::string_view(digest).substr(0, 16));
}

}  // namespace nasprune
