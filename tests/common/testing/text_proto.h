#ifndef NASPRUNE_TESTS_COMMON_TESTING_TEXT_PROTO_H_
#define NASPRUNE_TESTS_COMMON_TESTING_TEXT_PROTO_H_

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace nasprune::testing {

// Parses a text-format proto; a parse error fails the calling test.
template <typename T>
T ParseTextOrDie(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message))
      << "bad text proto: " << text;
  return message;
}

}  // namespace nasprune::testing

#endif  // NASPRUNE_TESTS_COMMON_TESTING_TEXT_PROTO_H_
