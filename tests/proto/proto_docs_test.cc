// Every message, field, enum, enum value, service and method of the public
// protos carries a comment: the .proto files are the API reference.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace nasprune {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::SourceLocation;

class CollectErrors
    : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& file, int line, int column,
                const std::string& message) override {
    errors.push_back(
        absl::StrCat(file, ":", line + 1, ":", column + 1, ": ", message));
  }
  std::vector<std::string> errors;
};

template <typename D>
void CheckDocumented(const D* d, std::vector<std::string>* missing) {
  SourceLocation location;
  if (!d->GetSourceLocation(&location) ||
      (location.leading_comments.empty() &&
       location.trailing_comments.empty())) {
    missing->push_back(d->full_name());
  }
}

void CheckEnum(const EnumDescriptor* e, std::vector<std::string>* missing) {
  CheckDocumented(e, missing);
  for (int i = 0; i < e->value_count(); ++i) {
    CheckDocumented(e->value(i), missing);
  }
}

void CheckMessage(const Descriptor* m, std::vector<std::string>* missing) {
  // Map entries are synthesized by protoc; their map field is documented.
  if (m->options().map_entry()) return;
  CheckDocumented(m, missing);
  for (int i = 0; i < m->field_count(); ++i) {
    CheckDocumented(m->field(i), missing);
  }
  for (int i = 0; i < m->nested_type_count(); ++i) {
    CheckMessage(m->nested_type(i), missing);
  }
  for (int i = 0; i < m->enum_type_count(); ++i) {
    CheckEnum(m->enum_type(i), missing);
  }
}

class ProtoDocs : public ::testing::TestWithParam<std::string> {};

TEST_P(ProtoDocs, EveryElementIsDocumented) {
  google::protobuf::compiler::DiskSourceTree tree;
  tree.MapPath("", "proto");
  tree.MapPath("", "/usr/include");
  CollectErrors errors;
  google::protobuf::compiler::Importer importer(&tree, &errors);
  const FileDescriptor* file =
      importer.Import(absl::StrCat("nasprune/v1/", GetParam()));
  ASSERT_NE(file, nullptr) << absl::StrJoin(errors.errors, "\n");
  EXPECT_TRUE(errors.errors.empty()) << absl::StrJoin(errors.errors, "\n");
  std::vector<std::string> missing;
  for (int i = 0; i < file->message_type_count(); ++i) {
    CheckMessage(file->message_type(i), &missing);
  }
  for (int i = 0; i < file->enum_type_count(); ++i) {
    CheckEnum(file->enum_type(i), &missing);
  }
  for (int i = 0; i < file->service_count(); ++i) {
    CheckDocumented(file->service(i), &missing);
    for (int j = 0; j < file->service(i)->method_count(); ++j) {
      CheckDocumented(file->service(i)->method(j), &missing);
    }
  }
  EXPECT_TRUE(missing.empty()) << "undocumented in " << GetParam() << ":\n  "
                               << absl::StrJoin(missing, "\n  ");
}

INSTANTIATE_TEST_SUITE_P(Files, ProtoDocs,
                         ::testing::Values("genome.proto", "search_space.proto",
                                           "job.proto", "search.proto",
                                           "controller.proto", "worker.proto"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
}  // namespace nasprune
