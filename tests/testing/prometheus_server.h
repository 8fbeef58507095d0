#ifndef NASPRUNE_TESTS_TESTING_PROMETHEUS_SERVER_H_
#define NASPRUNE_TESTS_TESTING_PROMETHEUS_SERVER_H_

// A real Prometheus (Debian's /usr/bin/prometheus) for tests: a scrape
// config written for the test's loopback ports (one-second scrapes), its
// storage in the caller's directory, its HTTP API on a free loopback port.

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/testing/http.h"
#include "tests/testing/process.h"

namespace nasprune::testing {

// `text` percent-encoded for a URL query value.
inline std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof(buffer), "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

class PrometheusServer {
 public:
  // Scrape job name → the loopback ports of its targets.
  using Targets = std::map<std::string, std::vector<int>>;

  // Writes the config under `dir` and starts Prometheus; true once its API
  // answers /-/ready (30 s at most).
  bool Start(const std::string& dir, const Targets& targets) {
    port_ = FreePort();
    std::string config =
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n";
    for (const auto& [job, ports] : targets) {
      std::vector<std::string> addresses;
      for (int port : ports)
        addresses.push_back(absl::StrCat("'127.0.0.1:", port, "'"));
      absl::StrAppend(&config, "  - job_name: ", job,
                      "\n    static_configs:\n      - targets: [",
                      absl::StrJoin(addresses, ", "), "]\n");
    }
    const std::string config_path = dir + "/prometheus.yml";
    std::ofstream(config_path) << config;
    if (!process_.Start(
            {"/usr/bin/prometheus", "--config.file=" + config_path,
             "--storage.tsdb.path=" + dir + "/prometheus-data",
             absl::StrCat("--web.listen-address=127.0.0.1:", port_)},
            dir + "/prometheus.log")) {
      return false;
    }
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (process_.Running() && std::chrono::steady_clock::now() < end) {
      if (HttpGet(port_, "/-/ready").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // GET /api/v1/<path>; the body, or "" without an answer.
  HttpResponse Api(const std::string& path) const {
    return HttpGet(port_, "/api/v1/" + path);
  }
  HttpResponse Query(const std::string& promql) const {
    return Api("query?query=" + UrlEncode(promql));
  }

  int port() const { return port_; }
  std::string Log() const { return process_.Log(); }

 private:
  ChildProcess process_;
  int port_ = 0;
};

}  // namespace nasprune::testing

#endif  // NASPRUNE_TESTS_TESTING_PROMETHEUS_SERVER_H_
