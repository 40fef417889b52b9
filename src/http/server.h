// The HTTP/1.1 server (Boost.Beast on Asio): keep-alive, a body limit, read timeouts so slow
// clients cannot hold connections, and a graceful shutdown that lets requests in flight finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/message.h"

namespace emm::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 3000;             // 0: any free port; see Server::port()
  int threads = 0;                  // I/O threads; 0: one per core
  size_t body_limit = 1024 * 1024;  // larger bodies get 413
  size_t header_limit = 16 * 1024;  // larger headers get 431
  // To receive a whole request, and the longest a kept-alive connection may sit idle.
  std::chrono::milliseconds read_timeout{30000};

  // Connections served at once (>= 1). Each holds a file descriptor, so the caller sizes this
  // below the open-file limit. A connection accepted beyond it takes one of `overflow_connections`
  // extra slots for at most `overflow_read_timeout`: a GET or HEAD of a path in `always_served`
  // (health checks) is answered as usual, anything else gets 503 with Retry-After: 1, and the
  // connection is closed after that one answer. With the overflow slots taken too, an accepted
  // connection is closed at once. So file descriptors for connections stay below
  // max_connections + overflow_connections, and /health answers even when the server is full.
  int max_connections = 1024;
  int overflow_connections = 16;
  std::chrono::milliseconds overflow_read_timeout{1000};
  std::vector<std::string> always_served = {"/health"};

  // The answer to a request refused before any handler runs: kInvalidArgument (malformed HTTP),
  // kPayloadTooLarge (413), kHeadersTooLarge (431), kUnavailable (over the connection cap; the
  // server adds nothing, so the mapping should say Retry-After). Required: the API's one mapping
  // of Status to HTTP (api::RefusalResponse).
  std::function<Response(const Status&)> refusal_response;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // Shutdown(0) if still running

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O threads.
  Status Start();
  // The bound port (useful with port 0). Valid after Start().
  uint16_t port() const;

  // Stops accepting, waits up to `grace` for requests in flight to be answered, then closes every
  // connection and joins the threads. Idempotent.
  void Shutdown(std::chrono::milliseconds grace);

  // Requests received but not yet answered.
  int in_flight() const;

  // Opaque; public only so the connection code in server.cc can name it.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace emm::http
