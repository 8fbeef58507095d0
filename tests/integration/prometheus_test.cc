// A real Prometheus scrapes the real service: every target is up, the
// job's series are there, and every PromQL expression of the Grafana
// dashboard (deploy/grafana/nasprune.json) parses and returns data.

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/cluster.h"
#include "tests/testing/prometheus_server.h"

namespace nasprune::testing {
namespace {

using nlohmann::json;

// Every "expr" of the dashboard's panels (rows' nested panels too).
void CollectExpressions(const json& panels, std::vector<std::string>* out) {
  for (const json& panel : panels) {
    if (panel.contains("panels")) CollectExpressions(panel["panels"], out);
    if (!panel.contains("targets")) continue;
    for (const json& target : panel["targets"]) {
      if (target.contains("expr")) out->push_back(target["expr"]);
    }
  }
}

// Polls `prometheus` with `promql` until the result has a sample or 20 s
// pass; the last answer, parsed (null when not JSON).
json QueryUntilData(const PrometheusServer& prometheus,
                    const std::string& promql) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  json answer;
  do {
    answer = json::parse(prometheus.Query(promql).body, nullptr,
                         /*allow_exceptions=*/false);
    if (answer.is_object() && answer.value("status", "") == "success" &&
        !answer["data"]["result"].empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  } while (std::chrono::steady_clock::now() < end);
  return answer;
}

TEST(Prometheus, ScrapesEveryTargetAndAnswersEveryDashboardExpression) {
  Cluster cluster;
  ASSERT_TRUE(cluster.Start());
  cluster.AddWorkers(2, {.slots = 2, .synthetic_delay_ms = 200});
  // A job that runs through the whole test, so its own series exist.
  absl::StatusOr<v1::JobStatus> job =
      cluster.Submit(SyntheticJobSpec("scraped", "random: {}", 5000));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(cluster
                  .WaitForJob(job->job_id(), std::chrono::seconds(30),
                              [](const v1::JobStatus& s) {
                                return s.trials().succeeded() >= 8;
                              })
                  .ok());

  PrometheusServer prometheus;
  ASSERT_TRUE(prometheus.Start(
      cluster.dir(),
      {{"nasprune-controller", {cluster.controller_metrics_port()}},
       {"nasprune-worker",
        {cluster.worker_metrics_port(0), cluster.worker_metrics_port(1)}}}))
      << prometheus.Log();

  // Every target up.
  json up = QueryUntilData(prometheus, "count(up == 1) == 3");
  ASSERT_EQ(up.value("status", ""), "success") << prometheus.Log();
  ASSERT_FALSE(up["data"]["result"].empty()) << prometheus.Api("targets").body;
  json targets = json::parse(prometheus.Api("targets").body);
  ASSERT_EQ(targets["data"]["activeTargets"].size(), 3u);
  for (const json& target : targets["data"]["activeTargets"]) {
    EXPECT_EQ(target["health"], "up") << target.dump();
  }

  // The job's series.
  for (const std::string& series : std::vector<std::string>{
           "nasprune_trials_total{job=\"nasprune-controller\",state="
           "\"succeeded\"}",
           "nasprune_jobs{state=\"running\"} == 1",
           "nasprune_best_accuracy{job_id=\"" + job->job_id() + "\"}",
           "nasprune_pareto_front_size{job_id=\"" + job->job_id() + "\"} > 0",
           "nasprune_worker_evaluations_total{job=\"nasprune-worker\"}"}) {
    EXPECT_FALSE(QueryUntilData(prometheus, series)["data"]["result"].empty())
        << series;
  }

  // Every dashboard expression, with Grafana's $__rate_interval as 30s.
  std::ifstream file(NASPRUNE_SOURCE_DIR "/deploy/grafana/nasprune.json");
  const json dashboard = json::parse(file);
  std::vector<std::string> expressions;
  CollectExpressions(dashboard["panels"], &expressions);
  ASSERT_GE(expressions.size(), 15u);
  for (const std::string& expression : expressions) {
    const std::string promql =
        absl::StrReplaceAll(expression, {{"$__rate_interval", "30s"}});
    const json answer = QueryUntilData(prometheus, promql);
    ASSERT_TRUE(answer.is_object()) << promql;
    EXPECT_EQ(answer.value("status", ""), "success")
        << promql << ": " << answer.dump();
    EXPECT_FALSE(answer["data"]["result"].empty()) << promql << ": no data";
  }

  // Grafana 10 imports it: its schema and the data source variable.
  EXPECT_GE(dashboard["schemaVersion"].get<int>(), 36);
  bool datasource_variable = false;
  for (const json& variable : dashboard["templating"]["list"]) {
    datasource_variable |=
        variable["type"] == "datasource" && variable["query"] == "prometheus";
  }
  EXPECT_TRUE(datasource_variable);
}

}  // namespace
}  // namespace nasprune::testing
