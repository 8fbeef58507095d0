#ifndef NASPRUNE_TESTS_TESTING_HTTP_H_
#define NASPRUNE_TESTS_TESTING_HTTP_H_

// A minimal HTTP client for tests (header only): one HTTP/1.0 request on
// 127.0.0.1, so that no server answers chunked, and the whole answer read
// until the server closes the connection.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace nasprune::testing {

struct HttpResponse {
  int status = 0;  // 0: no answer (refused, timed out, unparsable).
  std::string headers;
  std::string body;
};

inline HttpResponse HttpRequest(int port, const std::string& method,
                                const std::string& path) {
  HttpResponse response;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return response;
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return response;
  }
  const std::string request = method + " " + path +
                              " HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                              "Connection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return response;
  }
  std::string raw;
  char buffer[8192];
  for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    raw.append(buffer, n);
  }
  close(fd);
  const size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) {
    return response;
  }
  response.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  response.headers = raw.substr(0, end);
  response.body = raw.substr(end + 4);
  return response;
}

inline HttpResponse HttpGet(int port, const std::string& path) {
  return HttpRequest(port, "GET", path);
}

}  // namespace nasprune::testing

#endif  // NASPRUNE_TESTS_TESTING_HTTP_H_
