#include "http/server.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>
#include <vector>

#include "common/log.h"

namespace emm::http {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// Accept failures (out of file descriptors or memory) retry after a pause that doubles from the
// first to the last value while they go on: the failing accept returns at once, and retrying at
// once spins on both cores (issue 10: 444,856 log lines in 3 s).
constexpr std::chrono::milliseconds kFirstAcceptRetry{10};
constexpr std::chrono::milliseconds kLastAcceptRetry{1000};

log::RateLimitedLog::Options LimitedLog(std::string msg, std::string recovered_msg) {
  log::RateLimitedLog::Options o;
  o.msg = std::move(msg);
  o.recovered_msg = std::move(recovered_msg);
  return o;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  // Counted by each Session's constructor and destructor; declared before `ioc`, whose destructor
  // may destroy the last sessions.
  std::atomic<int> connections{0};           // sessions within max_connections
  std::atomic<int> overflow_connections{0};  // sessions in overflow slots
  net::io_context ioc;
  // Keeps the I/O threads running while a response is still being computed elsewhere (a write
  // waiting for the group commit) even when no socket operation is pending, as during shutdown.
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  // The acceptor and its retry timer are used only on this strand: accept completions, retries and
  // Shutdown's close never run at the same time.
  net::strand<net::io_context::executor_type> accept_strand{net::make_strand(ioc)};
  tcp::acceptor acceptor{accept_strand};
  net::steady_timer accept_retry{accept_strand};
  std::chrono::milliseconds accept_backoff{0};  // 0: the last accept succeeded
  log::RateLimitedLog accept_errors{LimitedLog("accept failed", "accepting connections again")};
  log::RateLimitedLog over_limit{
      LimitedLog("too many connections", "connections below the limit again")};
  std::vector<std::thread> threads;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  uint16_t port = 0;
  bool started = false;
  bool stopped = false;

  Impl(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), ioc(ThreadCount(options.threads)) {}

  static int ThreadCount(int requested) {
    if (requested > 0) return requested;
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
  }

  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void RetryAcceptLater(const beast::error_code& ec);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `overflow`: accepted beyond max_connections (see ServerOptions): one answer, a short read
  // timeout, and only the always-served paths get anything but 503.
  Session(tcp::socket socket, Server::Impl* server, bool overflow)
      : stream_(std::move(socket)), server_(server), overflow_(overflow) {
    Count().fetch_add(1);
  }
  ~Session() { Count().fetch_sub(1); }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(static_cast<uint32_t>(server_->options.header_limit));
    stream_.expires_after(
        overflow_ ? std::min(server_->options.read_timeout, server_->options.overflow_read_timeout)
                  : server_->options.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (overflow_ && !AlwaysServed(req)) return RefuseOverLimit();
    auto expect = req[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      // curl asks before sending a large body; answering saves it a one-second wait.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       req.version());
      bhttp::async_write(stream_, *cont,
                         [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                           if (ec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      return SendAndClose(Status::PayloadTooLarge(
          "the request body is larger than " + std::to_string(server_->options.body_limit) +
          " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return SendAndClose(Status::HeadersTooLarge("the request headers are too large"));
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return SendAndClose(
          Status::InvalidArgument("request", "malformed HTTP request: " + ec.message()));
    }
    Close();
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    auto req = parser_->release();
    keep_alive_ = req.keep_alive() && !server_->stopping.load() && !overflow_;
    version_ = req.version();
    head_ = req.method() == bhttp::verb::head;

    Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    for (const auto& f : req) r.headers.emplace_back(f.name_string(), f.value());
    r.body = std::move(req.body());
    method_ = r.method;
    started_ = std::chrono::steady_clock::now();

    // While the handler runs (a write may wait for the group commit) the connection's timer is
    // off; the handler always answers.
    stream_.expires_never();
    server_->in_flight.fetch_add(1);
    auto self = shared_from_this();
    server_->handler(std::move(r), [self](Response res) {
      net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->Write(std::move(res), /*counted=*/true);
      });
    });
  }

  std::atomic<int>& Count() {
    return overflow_ ? server_->overflow_connections : server_->connections;
  }

  bool AlwaysServed(const bhttp::request<bhttp::string_body>& req) const {
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) return false;
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    const auto& paths = server_->options.always_served;
    return std::find(paths.begin(), paths.end(), path) != paths.end();
  }

  // 503 without reading the body: the client is told at once (an Expect: 100-continue client
  // never sends it), and the lingering close below keeps an unread body from turning the close
  // into a reset that could destroy the answer before the client reads it.
  void RefuseOverLimit() {
    server_->over_limit.Hit({{"limit", server_->options.max_connections}});
    keep_alive_ = false;
    head_ = false;
    linger_ = true;
    version_ = parser_->get().version();
    Write(Refusal(Status::Unavailable("too many connections (limit " +
                                      std::to_string(server_->options.max_connections) +
                                      "); retry later")),
          /*counted=*/false);
  }

  Response Refusal(const Status& why) const { return server_->options.refusal_response(why); }

  void SendAndClose(const Status& why) {
    keep_alive_ = false;
    head_ = false;
    Response r = Refusal(why);
    const int status = r.status;
    Write(std::move(r), /*counted=*/false);
    log::Info("request rejected", {{"status", status}});
  }

  // One access log line per answered request, written on this I/O thread (never on the thread
  // that produced the response, which may be the database writer).
  void AccessLog(const Response& r) {
    log::Level level = r.log_quiet       ? log::Level::kDebug
                       : r.status >= 500 ? log::Level::kError
                                         : log::Level::kInfo;
    if (!log::Enabled(level)) return;
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
            .count();
    log::Write(level, "request",
               {{"method", method_},
                {"route",
                 r.log_route.empty() ? std::string_view("(none)") : std::string_view(r.log_route)},
                {"status", r.status},
                {"duration_ms", ms}});
  }

  void Write(Response r, bool counted) {
    if (counted) AccessLog(r);
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version_ ? version_ : 11);
    res->set(bhttp::field::server, "em-metrics");
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->insert(k, v);
    if (server_->stopping.load()) keep_alive_ = false;
    res->keep_alive(keep_alive_);
    size_t length = r.body.size();
    res->body() = head_ ? std::string() : std::move(r.body);
    res->prepare_payload();
    if (head_) res->content_length(length);
    stream_.expires_after(server_->options.read_timeout);
    bhttp::async_write(
        stream_, *res,
        [self = shared_from_this(), res, counted](beast::error_code ec, std::size_t) {
          if (counted) self->server_->in_flight.fetch_sub(1);
          if (!ec && self->linger_) return self->LingerClose();
          if (ec || !self->keep_alive_) return self->Close();
          self->ReadHeader();
        });
  }

  // Half-closes, then reads and drops what the client still sends until it closes too (or the
  // overflow read timeout passes), so the answer is not lost to a reset.
  void LingerClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(server_->options.overflow_read_timeout);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->stream_.close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl* server_;
  const bool overflow_;
  bool linger_ = false;
  std::array<char, 4096> drain_;
  bool keep_alive_ = false;
  bool head_ = false;
  std::string method_;
  std::chrono::steady_clock::time_point started_;
  unsigned version_ = 11;
};

}  // namespace

void Server::Impl::DoAccept() {
  // New connections get their own strands; this handler runs on the acceptor's.
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping.load() || ec == net::error::operation_aborted) return;
  if (ec) return RetryAcceptLater(ec);
  accept_backoff = std::chrono::milliseconds(0);
  accept_errors.Recovered();
  // Answers go out at once, not after a delayed ACK of the previous segment.
  beast::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);
  // Only this handler creates sessions, and only one accept is pending at a time: the counts can
  // only fall between the check and the session's constructor.
  if (connections.load() < options.max_connections) {
    over_limit.Recovered();
    std::make_shared<Session>(std::move(socket), this, /*overflow=*/false)->Run();
  } else if (overflow_connections.load() < options.overflow_connections) {
    std::make_shared<Session>(std::move(socket), this, /*overflow=*/true)->Run();
  } else {
    // No slot, not even to say 503: closing at once frees the descriptor at once.
    over_limit.Hit({{"limit", options.max_connections}});
    beast::error_code close_ec;
    socket.close(close_ec);
  }
  DoAccept();
}

void Server::Impl::RetryAcceptLater(const beast::error_code& ec) {
  // EMFILE/ENFILE (out of file descriptors), ENOBUFS/ENOMEM: the connection stays queued, and
  // retrying at once fails at once. Every error waits; a lone transient one costs the first delay.
  accept_backoff = accept_backoff.count() == 0 ? kFirstAcceptRetry
                                               : std::min(accept_backoff * 2, kLastAcceptRetry);
  accept_errors.Hit({{"error", ec.message()},
                     {"connections", connections.load()},
                     {"retry_in_ms", static_cast<int64_t>(accept_backoff.count())}});
  accept_retry.expires_after(accept_backoff);
  accept_retry.async_wait([this](beast::error_code wait_ec) {
    if (wait_ec || stopping.load()) return;
    DoAccept();
  });
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

Status Server::Start() {
  if (!impl_->options.refusal_response) {
    return Status::Internal("ServerOptions::refusal_response is not set");
  }
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) {
    return Status::InvalidArgument(
        "HOST", "\"" + impl_->options.host + "\" is not an IP address: " + ec.message());
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + impl_->options.host + ":" +
                               std::to_string(impl_->options.port) + ": " + ec.message());
  }
  impl_->port = acc.local_endpoint().port();
  impl_->DoAccept();
  int n = Impl::ThreadCount(impl_->options.threads);
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([this, i] {
      pthread_setname_np(pthread_self(), ("emm-io-" + std::to_string(i)).c_str());
      impl_->ioc.run();
    });
  }
  impl_->started = true;
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->port; }

int Server::in_flight() const { return impl_->in_flight.load(); }

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  net::post(impl_->accept_strand, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_retry.cancel();
  });
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (impl_->in_flight.load() > 0) {
    log::Warn("shutdown grace period over; closing connections with requests in flight",
              {{"in_flight", impl_->in_flight.load()}});
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace emm::http
