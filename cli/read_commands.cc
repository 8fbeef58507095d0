#include "cli/read_commands.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/jobspec/yaml_proto.h"
#include "common/time/proto_time.h"
#include "google/protobuf/descriptor.h"

namespace nasprune::cli {
namespace {

using google::protobuf::EnumDescriptor;
using Row = std::vector<Cell>;

// The enum values named in `text` ("a,b"), by their short names.
absl::StatusOr<std::vector<int>> ParseEnumList(const EnumDescriptor& type,
                                               const std::string& text,
                                               const std::string& flag) {
  std::vector<int> values;
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() != 0) {
      names.push_back(ShortEnumName(type.value(i)));
    }
  }
  for (absl::string_view part :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    const std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(part));
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": \"", name, "\" is not one of ", absl::StrJoin(names, ", ")));
    }
    for (int i = 0; i < type.value_count(); ++i) {
      if (ShortEnumName(type.value(i)) == name) {
        values.push_back(type.value(i)->number());
      }
    }
  }
  return values;
}

std::string Short(const EnumDescriptor* type, int value) {
  const auto* v = type->FindValueByNumber(value);
  return v == nullptr ? absl::StrCat(value) : ShortEnumName(v);
}

Cell Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return {};
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", FromProtoTime(t),
                          absl::UTCTimeZone());
}

// Seconds from the job's start to its end, or to now while it runs.
Cell Elapsed(const v1::JobStatus& job) {
  if (!job.has_start_time()) return {};
  const absl::Time end =
      job.has_end_time() ? FromProtoTime(job.end_time()) : absl::Now();
  return absl::ToDoubleSeconds(end - FromProtoTime(job.start_time()));
}

bool HasResult(const v1::TrialRecord& t) {
  return t.state() == v1::TRIAL_STATE_SUCCEEDED ||
         t.state() == v1::TRIAL_STATE_EARLY_STOPPED;
}

Cell IfResult(const v1::TrialRecord& t, Cell value) {
  return HasResult(t) ? std::move(value) : Cell{};
}

void Print(const Table& table, OutputFormat format, std::ostream& out,
           bool vertical = false) {
  if (format == OutputFormat::kCsv) {
    PrintCsv(table, out);
  } else {
    PrintTable(table, out, vertical);
  }
}

void PrintJsonArray(const std::vector<const google::protobuf::Message*>& all,
                    std::ostream& out) {
  nlohmann::json array = nlohmann::json::array();
  for (const google::protobuf::Message* m : all) array.push_back(ToJson(*m));
  PrintJson(array, out);
}

// A sort key: higher is better for accuracies, lower for costs; trials
// without a result last.
std::function<double(const v1::TrialRecord&)> SortKey(const std::string& key) {
  constexpr double kLast = std::numeric_limits<double>::infinity();
  auto costly = [](std::function<double(const v1::EvaluationResult&)> f) {
    return [f](const v1::TrialRecord& t) {
      return HasResult(t) ? f(t.result()) : kLast;
    };
  };
  if (key == "accuracy") {
    return costly([](const auto& r) { return -r.val_accuracy(); });
  }
  if (key == "test_accuracy") {
    return [](const v1::TrialRecord& t) {
      return HasResult(t) && t.result().has_test_accuracy()
                 ? -t.result().test_accuracy()
                 : kLast;
    };
  }
  if (key == "params") {
    return costly([](const auto& r) { return double(r.params()); });
  }
  if (key == "macs") {
    return costly([](const auto& r) { return double(r.macs()); });
  }
  if (key == "latency") {
    return costly([](const auto& r) { return r.latency().batch1_ms(); });
  }
  if (key == "seconds") {
    return costly([](const auto& r) { return r.total_seconds(); });
  }
  return [](const v1::TrialRecord& t) { return double(t.index()); };
}

// A fidelity's epochs: 0 stands for the recipe's (the top rung).
int64_t Epochs(const v1::Fidelity& fidelity, const v1::JobSpec& spec) {
  return fidelity.epochs() > 0 ? fidelity.epochs() : spec.recipe().epochs();
}

Table TrialTable(const std::vector<const v1::TrialRecord*>& trials,
                 const v1::JobSpec& spec) {
  Table table{.columns = {{"trial_id"},
                          {"state"},
                          {"rung"},
                          {"epochs"},
                          {"val_accuracy"},
                          {"test_accuracy"},
                          {"params"},
                          {"macs"},
                          {"latency_ms", 3},
                          {"seconds", 1},
                          {"cache_hit"},
                          {"worker"},
                          {"genome"}}};
  for (const v1::TrialRecord* t : trials) {
    const v1::EvaluationResult& r = t->result();
    table.rows.push_back(Row{
        t->trial_id(),
        Short(v1::TrialState_descriptor(), t->state()),
        int64_t{t->rung()},
        Epochs(t->fidelity(), spec),
        IfResult(*t, r.val_accuracy()),
        r.has_test_accuracy() ? Cell(r.test_accuracy()) : Cell{},
        IfResult(*t, r.params()),
        IfResult(*t, r.macs()),
        IfResult(*t, r.latency().batch1_ms()),
        IfResult(*t, r.total_seconds()),
        t->cache_hit(),
        t->worker().empty() ? Cell{} : Cell(t->worker()),
        t->genome_hash().substr(0, 12),
    });
  }
  return table;
}

}  // namespace

absl::StatusOr<std::vector<v1::JobState>> ParseJobStates(
    const std::string& text, const std::string& flag) {
  absl::StatusOr<std::vector<int>> v =
      ParseEnumList(*v1::JobState_descriptor(), text, flag);
  if (!v.ok()) return v.status();
  std::vector<v1::JobState> states;
  for (int n : *v) states.push_back(static_cast<v1::JobState>(n));
  return states;
}

absl::StatusOr<std::vector<v1::TrialState>> ParseTrialStates(
    const std::string& text, const std::string& flag) {
  absl::StatusOr<std::vector<int>> v =
      ParseEnumList(*v1::TrialState_descriptor(), text, flag);
  if (!v.ok()) return v.status();
  std::vector<v1::TrialState> states;
  for (int n : *v) states.push_back(static_cast<v1::TrialState>(n));
  return states;
}

absl::Status ListCommand(ControllerClient& client,
                         const std::vector<v1::JobState>& states,
                         OutputFormat format, std::ostream& out) {
  std::vector<v1::JobStatus> jobs;
  v1::ListJobsRequest request;
  for (v1::JobState s : states) request.add_states(s);
  request.set_page_size(1000);
  do {
    v1::ListJobsResponse page;
    if (absl::Status s =
            client.Call(&v1::NasController::Stub::ListJobs, request, &page);
        !s.ok()) {
      return s;
    }
    for (v1::JobStatus& j : *page.mutable_jobs()) jobs.push_back(std::move(j));
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());

  if (format == OutputFormat::kJson) {
    std::vector<const google::protobuf::Message*> all;
    for (const v1::JobStatus& j : jobs) all.push_back(&j);
    PrintJsonArray(all, out);
    return absl::OkStatus();
  }
  Table table{.columns = {{"job_id"},
                          {"state"},
                          {"trials"},
                          {"max_trials"},
                          {"running"},
                          {"failed"},
                          {"best_accuracy"},
                          {"best_trial"},
                          {"created"},
                          {"message"}}};
  for (const v1::JobStatus& j : jobs) {
    table.rows.push_back(Row{
        j.job_id(), Short(v1::JobState_descriptor(), j.state()),
        int64_t{j.trials().total()}, int64_t{j.spec().budget().max_trials()},
        int64_t{j.trials().running()}, int64_t{j.trials().failed()},
        j.best_trial_id().empty() ? Cell{} : Cell(j.best_accuracy()),
        j.best_trial_id().empty() ? Cell{} : Cell(j.best_trial_id()),
        Time(j.create_time()), j.message().empty() ? Cell{} : j.message()});
  }
  Print(table, format, out);
  return absl::OkStatus();
}

absl::Status StatusCommand(ControllerClient& client, const std::string& job_id,
                           OutputFormat format, std::ostream& out) {
  absl::StatusOr<v1::JobStatus> job = client.GetJob(job_id);
  if (!job.ok()) return job.status();
  if (format == OutputFormat::kJson) {
    PrintJson(ToJson(*job), out);
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ParetoFront> front = client.GetFront(job_id);
  if (!front.ok()) return front.status();
  const v1::TrialCounts& n = job->trials();
  const v1::JobSpec& spec = job->spec();
  const bool best = !job->best_trial_id().empty();
  Table summary{.columns = {{"job_id"},        {"state"},
                            {"message"},       {"mode"},
                            {"strategy"},      {"created"},
                            {"started"},       {"ended"},
                            {"elapsed_s", 0},  {"max_wall_seconds"},
                            {"trials"},        {"max_trials"},
                            {"running"},       {"succeeded"},
                            {"early_stopped"}, {"failed"},
                            {"cache_hits"},    {"infeasible"},
                            {"exports"},       {"exported"},
                            {"best_accuracy"}, {"best_trial"},
                            {"front_size"},    {"hypervolume"}}};
  const std::string strategy =
      spec.strategy().kind_case() == v1::StrategySpec::KIND_NOT_SET
          ? ""
          : std::string(spec.strategy()
                            .GetDescriptor()
                            ->FindFieldByNumber(spec.strategy().kind_case())
                            ->name());
  summary.rows.push_back(Row{
      job->job_id(),
      Short(v1::JobState_descriptor(), job->state()),
      job->message().empty() ? Cell{} : job->message(),
      Short(v1::SearchMode_descriptor(), spec.mode()),
      strategy.empty() ? Cell{} : strategy,
      Time(job->create_time()),
      Time(job->start_time()),
      Time(job->end_time()),
      Elapsed(*job),
      spec.budget().max_wall_seconds() > 0
          ? Cell(int64_t{spec.budget().max_wall_seconds()})
          : Cell{},
      int64_t{n.total()},
      int64_t{spec.budget().max_trials()},
      int64_t{n.running()},
      int64_t{n.succeeded()},
      int64_t{n.early_stopped()},
      int64_t{n.failed()},
      int64_t{n.cache_hits()},
      int64_t{n.infeasible()},
      int64_t{n.exports()},
      int64_t{n.exported()},
      best ? Cell(job->best_accuracy()) : Cell{},
      best ? Cell(job->best_trial_id()) : Cell{},
      int64_t{front->points_size()},
      front->points().empty() ? Cell{} : Cell(front->hypervolume()),
  });
  Print(summary, format, out, /*vertical=*/true);
  if (format == OutputFormat::kCsv || job->rungs_size() <= 1) {
    return absl::OkStatus();
  }
  Table rungs{.columns = {{"rung"},
                          {"epochs"},
                          {"train_subset"},
                          {"succeeded"},
                          {"best_accuracy"},
                          {"best_trial"},
                          {"front_size"}}};
  for (const v1::RungSummary& r : job->rungs()) {
    const bool any = !r.best_trial_id().empty();
    rungs.rows.push_back(
        Row{int64_t{r.rung()}, Epochs(r.fidelity(), job->spec()),
            r.fidelity().train_subset() > 0 ? Cell(r.fidelity().train_subset())
                                            : Cell{},
            int64_t{r.succeeded()}, any ? Cell(r.best_accuracy()) : Cell{},
            any ? Cell(r.best_trial_id()) : Cell{}, int64_t{r.front_size()}});
  }
  out << "\n";
  PrintTable(rungs, out);
  return absl::OkStatus();
}

absl::Status CancelCommand(ControllerClient& client, const std::string& job_id,
                           const std::string& reason, OutputFormat format,
                           std::ostream& out) {
  v1::CancelJobRequest request;
  request.set_job_id(job_id);
  request.set_reason(reason);
  v1::JobStatus job;
  if (absl::Status s =
          client.Call(&v1::NasController::Stub::CancelJob, request, &job);
      !s.ok()) {
    return s;
  }
  if (format == OutputFormat::kJson) {
    PrintJson(ToJson(job), out);
    return absl::OkStatus();
  }
  Table table{.columns = {{"job_id"}, {"state"}, {"message"}}};
  table.rows.push_back(Row{job.job_id(),
                           Short(v1::JobState_descriptor(), job.state()),
                           job.message().empty() ? Cell{} : job.message()});
  Print(table, format, out);
  return absl::OkStatus();
}

absl::Status TrialsCommand(ControllerClient& client, const std::string& job_id,
                           const TrialsQuery& query, OutputFormat format,
                           std::ostream& out) {
  if (std::find(std::begin(kTrialSortKeys), std::end(kTrialSortKeys),
                query.sort) == std::end(kTrialSortKeys)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sort: \"", query.sort, "\" is not one of ",
                     absl::StrJoin(kTrialSortKeys, ", ")));
  }
  if (query.top < 0) {
    return absl::InvalidArgumentError("--top: must not be negative");
  }
  absl::StatusOr<v1::JobStatus> job = client.GetJob(job_id);
  if (!job.ok()) return job.status();
  absl::StatusOr<std::vector<v1::TrialRecord>> all = client.AllTrials(job_id);
  if (!all.ok()) return all.status();
  std::vector<const v1::TrialRecord*> trials;
  for (const v1::TrialRecord& t : *all) {
    if (query.states.empty() ||
        std::find(query.states.begin(), query.states.end(), t.state()) !=
            query.states.end()) {
      trials.push_back(&t);
    }
  }
  const auto key = SortKey(query.sort);
  std::stable_sort(trials.begin(), trials.end(),
                   [&key](const v1::TrialRecord* a, const v1::TrialRecord* b) {
                     return key(*a) < key(*b);
                   });
  if (query.top > 0 && trials.size() > static_cast<size_t>(query.top)) {
    trials.resize(query.top);
  }
  if (format == OutputFormat::kJson) {
    PrintJsonArray({trials.begin(), trials.end()}, out);
    return absl::OkStatus();
  }
  Print(TrialTable(trials, job->spec()), format, out);
  return absl::OkStatus();
}

absl::Status ParetoCommand(ControllerClient& client, const std::string& job_id,
                           OutputFormat format, std::ostream& out) {
  absl::StatusOr<v1::ParetoFront> front = client.GetFront(job_id);
  if (!front.ok()) return front.status();
  if (format == OutputFormat::kJson) {
    PrintJson(ToJson(*front), out);
    return absl::OkStatus();
  }
  Table table{.columns = {{"trial_id"}, {"rung"}}};
  for (int metric : front->objectives()) {
    const std::string name = Short(v1::Metric_descriptor(), metric);
    table.columns.push_back({name, metric == v1::METRIC_LATENCY_MS ? 3 : 4});
  }
  table.columns.push_back({"model"});
  for (const v1::ParetoPoint& p : front->points()) {
    Row row{p.trial_id(), int64_t{p.rung()}};
    for (int i = 0; i < front->objectives_size(); ++i) {
      const double v = i < p.values_size() ? p.values(i) : 0;
      const int metric = front->objectives(i);
      const bool count = metric == v1::METRIC_PARAMS ||
                         metric == v1::METRIC_MACS ||
                         metric == v1::METRIC_MODEL_BYTES;
      row.push_back(count ? Cell(static_cast<int64_t>(v)) : Cell(v));
    }
    row.push_back(p.has_model());
    table.rows.push_back(std::move(row));
  }
  Print(table, format, out);
  if (format == OutputFormat::kTable) {
    out << absl::StrFormat("%d points, hypervolume %.4f\n",
                           front->points_size(), front->hypervolume());
  }
  return absl::OkStatus();
}

absl::Status WorkersCommand(ControllerClient& client, OutputFormat format,
                            std::ostream& out) {
  v1::ListWorkersResponse response;
  if (absl::Status s = client.Call(&v1::NasController::Stub::ListWorkers,
                                   v1::ListWorkersRequest(), &response);
      !s.ok()) {
    return s;
  }
  if (format == OutputFormat::kJson) {
    std::vector<const google::protobuf::Message*> all;
    for (const v1::WorkerInfo& w : response.workers()) all.push_back(&w);
    PrintJsonArray(all, out);
    return absl::OkStatus();
  }
  Table table{.columns = {{"name"},
                          {"address"},
                          {"device"},
                          {"slots"},
                          {"busy"},
                          {"state"},
                          {"last_heartbeat"},
                          {"evaluator"}}};
  for (const v1::WorkerInfo& w : response.workers()) {
    table.rows.push_back(Row{
        w.name(), w.address(), w.device(), int64_t{w.slots()},
        int64_t{w.busy_slots()}, Short(v1::WorkerState_descriptor(), w.state()),
        Time(w.last_heartbeat_time()),
        w.synthetic() ? absl::StrCat(w.evaluator_version(), " (synthetic)")
                      : w.evaluator_version()});
  }
  Print(table, format, out);
  return absl::OkStatus();
}

}  // namespace nasprune::cli
