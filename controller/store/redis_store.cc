#include "controller/store/redis_store.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"

namespace nasprune::controller {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using redis::Reply;

template <typename Message>
absl::StatusOr<Message> Parse(const std::string& bytes,
                              const std::string& where) {
  Message m;
  if (!m.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("redis: ", where, " holds a corrupt record"));
  }
  return m;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisStore>> RedisStore::Connect(
    Options options) {
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> client =
      redis::RedisClient::Connect(options.redis);
  if (!client.ok()) return client.status();
  return std::unique_ptr<RedisStore>(
      new RedisStore(std::move(options), *std::move(client)));
}

template <typename Message>
absl::StatusOr<std::optional<Message>> RedisStore::GetOptional(
    const std::string& key) {
  absl::StatusOr<Reply> reply = client_->Command({"GET", key});
  if (!reply.ok()) return reply.status();
  if (reply->type == Reply::Type::kNil) return std::nullopt;
  absl::StatusOr<Message> message = Parse<Message>(reply->string, key);
  if (!message.ok()) return message.status();
  return *std::move(message);
}

template <typename Message>
absl::StatusOr<std::vector<Message>> RedisStore::HashValues(
    const std::string& key) {
  absl::StatusOr<Reply> reply = client_->Command({"HGETALL", key});
  if (!reply.ok()) return reply.status();
  std::vector<Message> values;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    absl::StatusOr<Message> value = Parse<Message>(
        reply->elements[i + 1].string, key + " " + reply->elements[i].string);
    if (!value.ok()) return value.status();
    values.push_back(*std::move(value));
  }
  return values;
}

std::string RedisStore::CacheKey(const std::string& key) const {
  return absl::StrCat(options_.key_prefix, "cache:", key);
}
std::string RedisStore::JobsKey() const {
  return absl::StrCat(options_.key_prefix, "jobs");
}
std::string RedisStore::TrialsKey(const std::string& job_id) const {
  return absl::StrCat(options_.key_prefix, "job:", job_id, ":trials");
}
std::string RedisStore::CheckpointKey(const std::string& job_id) const {
  return absl::StrCat(options_.key_prefix, "job:", job_id, ":checkpoint");
}

absl::StatusOr<std::vector<std::optional<v1::EvaluationResult>>>
RedisStore::GetCachedResults(const std::vector<std::string>& cache_keys) {
  std::vector<std::optional<v1::EvaluationResult>> results;
  if (cache_keys.empty()) return results;
  std::vector<std::string> command = {"MGET"};
  for (const std::string& key : cache_keys) command.push_back(CacheKey(key));
  absl::StatusOr<Reply> reply = client_->Command(command);
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != cache_keys.size()) {
    return absl::InternalError(absl::StrCat("MGET of ", cache_keys.size(),
                                            " keys answered ",
                                            reply->elements.size()));
  }
  for (size_t i = 0; i < cache_keys.size(); ++i) {
    const Reply& element = reply->elements[i];
    if (element.type == Reply::Type::kNil) {
      results.push_back(std::nullopt);
      continue;
    }
    absl::StatusOr<v1::EvaluationResult> result =
        Parse<v1::EvaluationResult>(element.string, command[i + 1]);
    if (!result.ok()) return result.status();
    results.push_back(*std::move(result));
  }
  return results;
}

absl::Status RedisStore::PutCachedResults(
    const std::vector<CacheEntry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  std::vector<std::string> command = {"MSET"};
  for (const auto& [key, result] : entries) {
    command.push_back(CacheKey(key));
    command.push_back(result.SerializeAsString());
  }
  return client_->Command(command).status();
}

absl::Status RedisStore::CreateJob(const v1::JobStatus& job) {
  absl::StatusOr<Reply> reply = client_->Command(
      {"HSETNX", JobsKey(), job.job_id(), job.SerializeAsString()});
  if (!reply.ok()) return reply.status();
  if (reply->integer == 0) {
    // A retried call whose first attempt was applied finds its own record:
    // that is success, not a clash.
    absl::StatusOr<v1::JobStatus> stored = GetJob(job.job_id());
    if (stored.ok() && MessageDifferencer::Equals(*stored, job)) {
      return absl::OkStatus();
    }
    return absl::AlreadyExistsError(
        absl::StrCat("job ", job.job_id(), " already exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::JobStatus> RedisStore::GetJob(const std::string& job_id) {
  absl::StatusOr<Reply> reply = client_->Command({"HGET", JobsKey(), job_id});
  if (!reply.ok()) return reply.status();
  if (reply->type == Reply::Type::kNil) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  return Parse<v1::JobStatus>(reply->string, JobsKey() + " " + job_id);
}

absl::StatusOr<std::vector<v1::JobStatus>> RedisStore::ListJobs() {
  absl::StatusOr<std::vector<v1::JobStatus>> jobs =
      HashValues<v1::JobStatus>(JobsKey());
  if (jobs.ok()) SortJobs(&*jobs);
  return jobs;
}

absl::Status RedisStore::Commit(const std::string& job_id,
                                const JobUpdate& update) {
  // Jobs are never deleted, so a job seen here stays for the transaction.
  absl::StatusOr<Reply> exists =
      client_->Command({"HEXISTS", JobsKey(), job_id});
  if (!exists.ok()) return exists.status();
  if (exists->integer == 0) {
    return absl::NotFoundError(absl::StrCat("job ", job_id, " not found"));
  }
  std::vector<std::vector<std::string>> commands;
  if (update.job) {
    commands.push_back(
        {"HSET", JobsKey(), job_id, update.job->SerializeAsString()});
  }
  if (!update.trials.empty()) {
    std::vector<std::string> hset = {"HSET", TrialsKey(job_id)};
    for (const v1::TrialRecord& t : update.trials) {
      hset.push_back(t.trial_id());
      hset.push_back(t.SerializeAsString());
    }
    commands.push_back(std::move(hset));
  }
  if (update.checkpoint) {
    commands.push_back(
        {"SET", CheckpointKey(job_id), update.checkpoint->SerializeAsString()});
  }
  if (commands.empty()) return absl::OkStatus();
  return client_->Transaction(commands).status();
}

absl::StatusOr<std::vector<v1::TrialRecord>> RedisStore::ListTrials(
    const std::string& job_id) {
  absl::StatusOr<std::vector<v1::TrialRecord>> trials =
      HashValues<v1::TrialRecord>(TrialsKey(job_id));
  if (trials.ok()) SortTrials(&*trials);
  return trials;
}

absl::StatusOr<std::optional<v1::StrategyState>> RedisStore::GetCheckpoint(
    const std::string& job_id) {
  return GetOptional<v1::StrategyState>(CheckpointKey(job_id));
}

}  // namespace nasprune::controller
