// Load client for POST /webhooks/github (issue 12): CONNECTIONS keep-alive connections, each on
// its own thread, send signed GitHub deliveries for DURATION seconds and report the rate and the
// latency percentiles. Every pull request is opened, then merged LAG deliveries later on the same
// connection, each delivery with its own X-GitHub-Delivery id and its X-Hub-Signature-256 computed
// here (wrk cannot sign bodies). Bodies are padded to BODY_BYTES, the size of a real delivery.
//
//   emm_webhook_load PORT SECRET [CONNECTIONS=32] [SECONDS=10] [BODY_BYTES=25000] [AUTHORS=20]
//
// Prints one line: RESULT webhook_per_s=... p50_ms=... p99_ms=... requests=... non2xx=...
// Authors are users u0..u<AUTHORS-1>: the server's teams file must list them (webhook_load.sh).
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "auth/webhook_signature.h"

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string port;
  std::string secret;
  int connections = 32;
  int seconds = 10;
  size_t body_bytes = 25000;
  int authors = 20;
};

struct Tally {
  std::vector<double> latencies_ms;
  long non2xx = 0;
  long errors = 0;
};

// A pull_request delivery with the fields em-metrics reads, padded like GitHub's (which carry
// the repository, the head and base branches and dozens of URLs).
std::string Body(const Options& o, const std::string& action, long id,
                 const std::string& padding) {
  std::string merged = action == "closed" ? R"(,"merged":true,"merged_at":"2026-01-02T10:00:00Z")"
                                          : R"(,"merged":false)";
  return R"({"action":")" + action + R"(","number":)" + std::to_string(id) +
         R"(,"pull_request":{"id":)" + std::to_string(id) + R"(,"number":)" + std::to_string(id) +
         R"(,"user":{"login":"u)" + std::to_string(id % o.authors) +
         R"("},"created_at":"2026-01-02T09:00:00Z","additions":12,"deletions":3)" + merged +
         R"(,"body":")" + padding + R"("},"repository":{"full_name":"bench/repo"},)" +
         R"("installation":{"id":1}})";
}

void Run(const Options& o, int index, Clock::time_point until, Tally* out) {
  constexpr long kLag = 64;  // a merge follows its opening by this many deliveries
  const std::string padding(o.body_bytes > 400 ? o.body_bytes - 400 : 0, 'x');
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve("127.0.0.1", o.port));
    beast::flat_buffer buffer;
    long opened = 0, merged = 0, n = 0;
    const long base = static_cast<long>(index + 1) * 100000000L;
    while (Clock::now() < until) {
      const bool open = opened - merged <= kLag || (n % 2 == 0);
      const long id = base + (open ? ++opened : ++merged);
      ++n;
      http::request<http::string_body> req{http::verb::post, "/webhooks/github", 11};
      req.set(http::field::host, "127.0.0.1");
      req.set(http::field::content_type, "application/json");
      req.set("X-GitHub-Event", "pull_request");
      req.set("X-GitHub-Delivery", std::to_string(index) + "-" + std::to_string(n));
      req.body() = Body(o, open ? "opened" : "closed", id, padding);
      req.set("X-Hub-Signature-256", "sha256=" + emm::auth::HmacSha256Hex(o.secret, req.body()));
      req.prepare_payload();
      const auto start = Clock::now();
      http::write(stream, req);
      http::response<http::string_body> res;
      http::read(stream, buffer, res);
      out->latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (res.result_int() / 100 != 2) {
        if (++out->non2xx <= 3) {
          std::fprintf(stderr, "%u %s\n", res.result_int(), res.body().c_str());
        }
      }
    }
  } catch (const std::exception& e) {
    ++out->errors;
    std::fprintf(stderr, "connection %d: %s\n", index, e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s PORT SECRET [CONNECTIONS=32] [SECONDS=10] [BODY_BYTES=25000] "
                 "[AUTHORS=20]\n",
                 argv[0]);
    return 2;
  }
  Options o;
  o.port = argv[1];
  o.secret = argv[2];
  if (argc > 3) o.connections = std::atoi(argv[3]);
  if (argc > 4) o.seconds = std::atoi(argv[4]);
  if (argc > 5) o.body_bytes = static_cast<size_t>(std::atol(argv[5]));
  if (argc > 6) o.authors = std::max(1, std::atoi(argv[6]));

  std::vector<Tally> tallies(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto until = start + std::chrono::seconds(o.seconds);
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back(Run, std::cref(o), i, until, &tallies[static_cast<size_t>(i)]);
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  long non2xx = 0, errors = 0;
  for (const Tally& t : tallies) {
    all.insert(all.end(), t.latencies_ms.begin(), t.latencies_ms.end());
    non2xx += t.non2xx;
    errors += t.errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  std::printf(
      "RESULT webhook_per_s=%.0f p50_ms=%.2f p99_ms=%.2f requests=%zu non2xx=%ld "
      "connection_errors=%ld body_bytes=%zu\n",
      static_cast<double>(all.size()) / secs, pct(0.50), pct(0.99), all.size(), non2xx, errors,
      o.body_bytes);
  return non2xx == 0 && errors == 0 ? 0 : 1;
}
