#include "common/redis/redis_client.h"

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"

namespace nasprune::redis {
namespace {

timeval ToTimeval(std::chrono::milliseconds d) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// Converts a hiredis reply; an error reply becomes INTERNAL.
absl::StatusOr<Reply> Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_NIL:
      break;
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.string.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.string.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) {
        absl::StatusOr<Reply> e = Convert(r->element[i]);
        if (!e.ok()) return e.status();
        out.elements.push_back(*std::move(e));
      }
      break;
    case REDIS_REPLY_ERROR:
      return absl::InternalError(
          absl::StrCat("redis: ", std::string(r->str, r->len)));
    default:
      return absl::InternalError(
          absl::StrCat("redis: unexpected reply type ", r->type));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Connect(
    Options options) {
  std::unique_ptr<RedisClient> client(new RedisClient(std::move(options)));
  absl::StatusOr<redisContext*> first = client->Dial();
  if (!first.ok()) return first.status();
  client->idle_.push_back(*first);
  return client;
}

RedisClient::~RedisClient() {
  for (redisContext* c : idle_) redisFree(c);
}

absl::StatusOr<redisContext*> RedisClient::Dial() const {
  const timeval tv = ToTimeval(options_.timeout);
  redisContext* c =
      redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
  if (c == nullptr || c->err != 0) {
    const std::string why = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError(
        absl::StrCat("redis ", options_.host, ":", options_.port, ": ", why));
  }
  redisSetTimeout(c, tv);
  return c;
}

absl::StatusOr<std::vector<Reply>> RedisClient::Pipeline(
    redisContext* context,
    const std::vector<std::vector<std::string>>& commands) const {
  for (const std::vector<std::string>& args : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()),
                               argv.data(), lens.data()) != REDIS_OK) {
      return absl::UnavailableError(absl::StrCat("redis: ", context->errstr));
    }
  }
  std::vector<Reply> replies;
  absl::Status first_error;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context, &raw) != REDIS_OK || raw == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "redis ", options_.host, ":", options_.port, ": ",
          context->errstr[0] != '\0' ? context->errstr : "no reply"));
    }
    redisReply* r = static_cast<redisReply*>(raw);
    absl::StatusOr<Reply> reply = Convert(r);
    freeReplyObject(r);
    // Read every reply even after an error, so the connection stays in
    // step.
    if (!reply.ok()) {
      if (first_error.ok()) first_error = reply.status();
      continue;
    }
    replies.push_back(*std::move(reply));
  }
  if (!first_error.ok()) return first_error;
  return replies;
}

absl::StatusOr<std::vector<Reply>> RedisClient::PipelineWithRetry(
    const std::vector<std::vector<std::string>>& commands) {
  redisContext* context = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      context = idle_.back();
      idle_.pop_back();
    }
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (context == nullptr) {
      absl::StatusOr<redisContext*> dialed = Dial();
      if (!dialed.ok()) {
        if (attempt == 1) return dialed.status();
        continue;
      }
      context = *dialed;
    }
    absl::StatusOr<std::vector<Reply>> replies = Pipeline(context, commands);
    if (replies.ok() || !absl::IsUnavailable(replies.status())) {
      // The connection is in step (every reply was read): keep it.
      absl::MutexLock lock(&mu_);
      idle_.push_back(context);
      return replies;
    }
    // A broken connection: drop it and try once more on a new one.
    redisFree(context);
    context = nullptr;
    if (attempt == 1) return replies;
  }
  return absl::UnavailableError("redis: unreachable");
}

absl::StatusOr<Reply> RedisClient::Command(
    const std::vector<std::string>& args) {
  absl::StatusOr<std::vector<Reply>> replies = PipelineWithRetry({args});
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

absl::StatusOr<std::vector<Reply>> RedisClient::Transaction(
    const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::vector<std::string>> all = {{"MULTI"}};
  all.insert(all.end(), commands.begin(), commands.end());
  all.push_back({"EXEC"});
  absl::StatusOr<std::vector<Reply>> replies = PipelineWithRetry(all);
  if (!replies.ok()) return replies.status();
  const Reply& exec = replies->back();
  if (exec.type != Reply::Type::kArray) {
    return absl::AbortedError("redis: the transaction was discarded");
  }
  return exec.elements;
}

}  // namespace nasprune::redis
