#include "common/redis/redis_client.h"

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/redis_server.h"

namespace nasprune::redis {
namespace {

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(::testing::TempDir()));
    auto client = RedisClient::Connect({.port = server_.port()});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }
  void TearDown() override { server_.Kill(); }
  testing::RedisServer server_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisClientTest, CommandsAreBinarySafe) {
  const std::string value("a\0b\r\nc", 6);
  ASSERT_TRUE(client_->Command({"SET", "k", value}).ok());
  auto reply = client_->Command({"GET", "k"});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->type, Reply::Type::kString);
  EXPECT_EQ(reply->string, value);
  auto missing = client_->Command({"GET", "nothing"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->type, Reply::Type::kNil);
}

TEST_F(RedisClientTest, ErrorRepliesAreInternalAndTheConnectionStaysUsable) {
  const auto bad = client_->Command({"NOSUCHCOMMAND"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInternal);
  auto ping = client_->Command({"PING"});
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->string, "PONG");
}

TEST_F(RedisClientTest, TransactionsApplyEveryCommand) {
  auto replies = client_->Transaction(
      {{"SET", "a", "1"}, {"INCR", "a"}, {"HSET", "h", "f", "v"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[1].integer, 2);
  auto h = client_->Command({"HGETALL", "h"});
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->elements.size(), 2u);
  EXPECT_EQ(h->elements[1].string, "v");
}

TEST_F(RedisClientTest, ReconnectsAfterARestart) {
  ASSERT_TRUE(client_->Command({"SET", "k", "v"}).ok());
  server_.Stop();
  EXPECT_EQ(client_->Command({"GET", "k"}).status().code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_.Restart());
  auto reply = client_->Command({"GET", "k"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->string, "v");  // AOF kept it.
}

TEST_F(RedisClientTest, ACallDoesNotWaitForAnotherCallersCommand) {
  // One caller blocks in BLPOP; another, on the same client, sees it
  // blocked and pushes what it waits for. On one shared connection the
  // second caller would wait for the BLPOP to time out, and it would get
  // nothing.
  std::thread waiter([&] {
    auto popped = client_->Command({"BLPOP", "list", "10"});
    ASSERT_TRUE(popped.ok()) << popped.status();
    ASSERT_EQ(popped->type, Reply::Type::kArray);
    ASSERT_EQ(popped->elements.size(), 2u);
    EXPECT_EQ(popped->elements[1].string, "item");
  });
  for (int i = 0; i < 1000; ++i) {
    auto clients = client_->Command({"CLIENT", "LIST"});
    ASSERT_TRUE(clients.ok()) << clients.status();
    if (clients->string.find("cmd=blpop") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(client_->Command({"RPUSH", "list", "item"}).ok());
  waiter.join();
}

}  // namespace
}  // namespace nasprune::redis
