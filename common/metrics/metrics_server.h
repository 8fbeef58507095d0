#ifndef NASPRUNE_COMMON_METRICS_METRICS_SERVER_H_
#define NASPRUNE_COMMON_METRICS_METRICS_SERVER_H_

// The HTTP side of a daemon, on its metrics port (civetweb):
//   GET /metrics  the registry in the Prometheus text format 0.0.4
//   GET /healthz  200 "ok" while the process serves HTTP at all
//   GET /readyz   200 "ready", or 503 "not ready: <why>" while the
//                 readiness check fails (Kubernetes' readiness probe)
// HEAD works on the same paths; other methods get 405, other paths 404.
//
// prometheus-cpp's own Exposer serves only metrics, so this server does the
// same job (its TextSerializer on the same registry) and adds the probes.
//
// Thread-safety: handlers run on civetweb's threads; `before_scrape` and
// `readiness` must be safe to call from any thread, concurrently.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/metrics/metrics.h"

class CivetServer;

namespace nasprune::metrics {

struct MetricsServerOptions {
  // The value of the flag, HOST:PORT: HOST an IPv4 literal (0.0.0.0 for
  // every interface) or "localhost"; PORT in [0, 65535], 0 for any free one.
  std::string address;
  // The flag's name, for error messages.
  std::string flag = "--metrics-address";
  const Registry* registry = nullptr;  // Required; outlives the server.
  // Called before each /metrics answer, to refresh sampled gauges.
  std::function<void()> before_scrape;
  // OK when ready; otherwise its message is the 503 body. Unset: ready.
  std::function<absl::Status()> readiness;
};

class MetricsServer {
 public:
  // Listens at once. INVALID_ARGUMENT naming the flag for a malformed
  // address; UNAVAILABLE when the address cannot be bound (port in use).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Create(
      MetricsServerOptions options);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound port (the chosen one when the flag said 0).
  int port() const { return port_; }

 private:
  class Handler;
  MetricsServer(MetricsServerOptions options);

  const MetricsServerOptions options_;
  std::unique_ptr<Handler> metrics_, healthz_, readyz_;
  std::unique_ptr<CivetServer> server_;
  int port_ = 0;
};

}  // namespace nasprune::metrics

#endif  // NASPRUNE_COMMON_METRICS_METRICS_SERVER_H_
