#include "common/metrics/metrics_server.h"

#include <arpa/inet.h>

#include <cstring>
#include <utility>
#include <vector>

#include "CivetServer.h"
#include "absl/strings/str_cat.h"
#include "civetweb.h"
#include "common/daemon/host_port.h"

namespace nasprune::metrics {
namespace {

struct Reply {
  int status = 200;
  const char* reason = "OK";
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

void Send(mg_connection* conn, const Reply& reply, bool with_body,
          const char* extra_headers = "") {
  const std::string head = absl::StrCat(
      "HTTP/1.1 ", reply.status, " ", reply.reason,
      "\r\nContent-Type: ", reply.content_type,
      "\r\nContent-Length: ", reply.body.size(), "\r\n", extra_headers,
      "Cache-Control: no-cache\r\nConnection: close\r\n\r\n");
  mg_write(conn, head.data(), head.size());
  if (with_body) mg_write(conn, reply.body.data(), reply.body.size());
}

// "localhost" or an IPv4 literal, as civetweb's listening_ports wants it.
absl::StatusOr<std::string> ListenHost(const std::string& flag,
                                       const std::string& value,
                                       const std::string& host) {
  if (host == "localhost") return std::string("127.0.0.1");
  in_addr parsed;
  if (inet_pton(AF_INET, host.c_str(), &parsed) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", value, "\": the host must be an IPv4 address ",
        "(0.0.0.0 for every interface) or localhost, not \"", host, "\""));
  }
  return host;
}

}  // namespace

// One path: GET and HEAD answer `reply()`, other methods 405, and any
// longer path that civetweb routes here 404.
class MetricsServer::Handler : public CivetHandler {
 public:
  Handler(std::string path, std::function<Reply()> reply)
      : path_(std::move(path)), reply_(std::move(reply)) {}

  // The overloads with a status code stay CivetHandler's.
  using CivetHandler::handleDelete;
  using CivetHandler::handleGet;
  using CivetHandler::handleHead;
  using CivetHandler::handleOptions;
  using CivetHandler::handlePatch;
  using CivetHandler::handlePost;
  using CivetHandler::handlePut;

  bool handleGet(CivetServer*, mg_connection* conn) override {
    return Answer(conn, /*with_body=*/true);
  }
  bool handleHead(CivetServer*, mg_connection* conn) override {
    return Answer(conn, /*with_body=*/false);
  }
  bool handlePost(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handlePut(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handleDelete(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handlePatch(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }
  bool handleOptions(CivetServer*, mg_connection* conn) override {
    return NotAllowed(conn);
  }

 private:
  bool ExactPath(mg_connection* conn) const {
    const mg_request_info* info = mg_get_request_info(conn);
    return info != nullptr && info->local_uri != nullptr &&
           path_ == info->local_uri;
  }

  bool Answer(mg_connection* conn, bool with_body) const {
    if (!ExactPath(conn)) {
      Send(conn,
           Reply{404, "Not Found", "text/plain; charset=utf-8", "not found\n"},
           with_body);
    } else {
      Send(conn, reply_(), with_body);
    }
    return true;
  }

  bool NotAllowed(mg_connection* conn) const {
    Send(conn,
         Reply{405, "Method Not Allowed", "text/plain; charset=utf-8",
               "only GET and HEAD\n"},
         /*with_body=*/true, "Allow: GET, HEAD\r\n");
    return true;
  }

  const std::string path_;
  const std::function<Reply()> reply_;
};

MetricsServer::MetricsServer(MetricsServerOptions options)
    : options_(std::move(options)) {}

MetricsServer::~MetricsServer() {
  // Stop civetweb's threads before the handlers they call go away.
  server_.reset();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Create(
    MetricsServerOptions options) {
  if (options.registry == nullptr) {
    return absl::InvalidArgumentError("MetricsServer: registry is required");
  }
  absl::StatusOr<HostPort> address =
      ParseHostPort(options.flag, options.address, /*min_port=*/0);
  if (!address.ok()) return address.status();
  absl::StatusOr<std::string> host =
      ListenHost(options.flag, options.address, address->host);
  if (!host.ok()) return host.status();

  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(options)));
  const MetricsServerOptions* o = &server->options_;
  server->metrics_ = std::make_unique<Handler>("/metrics", [o] {
    if (o->before_scrape) o->before_scrape();
    return Reply{200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                 o->registry->TextFormat()};
  });
  server->healthz_ = std::make_unique<Handler>(
      "/healthz", [] { return Reply{.body = "ok\n"}; });
  server->readyz_ = std::make_unique<Handler>("/readyz", [o] {
    const absl::Status ready = o->readiness ? o->readiness() : absl::OkStatus();
    if (ready.ok()) return Reply{.body = "ready\n"};
    return Reply{503, "Service Unavailable", "text/plain; charset=utf-8",
                 absl::StrCat("not ready: ", ready.message(), "\n")};
  });

  const std::vector<std::string> civet_options = {
      "listening_ports", absl::StrCat(*host, ":", address->port), "num_threads",
      "4",
      // Probes and scrapes are short; a stuck client must not hold a thread.
      "request_timeout_ms", "10000"};
  try {
    server->server_ = std::make_unique<CivetServer>(civet_options);
  } catch (const CivetException& e) {
    return absl::UnavailableError(absl::StrCat(o->flag, ": cannot listen on ",
                                               o->address, ": ", e.what()));
  }
  server->server_->addHandler("/metrics", server->metrics_.get());
  server->server_->addHandler("/healthz", server->healthz_.get());
  server->server_->addHandler("/readyz", server->readyz_.get());
  const std::vector<int> ports = server->server_->getListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat(o->flag, ": cannot listen on ", o->address));
  }
  server->port_ = ports.front();
  return server;
}

}  // namespace nasprune::metrics
