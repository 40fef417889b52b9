// OTLP export throughput: data points read from a real SQLite metric state, encoded and POSTed
// with libcurl to a local receiver that reads each request and answers 200 (so the figure is
// em-metrics' side: read + encode + compress + send). Also the encoder alone.
//   build/emm_export_bench [series=10000] [rounds=20]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/stored_metric_state.h"
#include "common/log.h"
#include "domain/commands.h"
#include "export/otlp_exporter.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/write_queue.h"

namespace {

using namespace emm;
using Steady = std::chrono::steady_clock;

// A minimal HTTP/1.1 keep-alive receiver: reads headers and Content-Length bytes, answers 200.
class Receiver {
 public:
  Receiver() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(listen_fd_, 16);
    thread_ = std::thread([this] { Run(); });
  }
  ~Receiver() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    thread_.join();
  }
  int port() const { return port_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void Run() {
    while (!stop_) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::string buf;
      char chunk[65536];
      for (;;) {
        size_t end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {
          size_t cl = 0;
          size_t p = buf.find("Content-Length:");
          if (p == std::string::npos) p = buf.find("content-length:");
          if (p != std::string::npos && p < end)
            cl = std::strtoul(buf.c_str() + p + 15, nullptr, 10);
          if (buf.size() >= end + 4 + cl) {
            bytes_ += cl;
            buf.erase(0, end + 4 + cl);
            static const char kOk[] =
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: "
                "0\r\n\r\n";
            if (write(fd, kOk, sizeof kOk - 1) < 0) break;
            continue;
          }
        }
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
      }
      close(fd);
    }
  }
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> bytes_{0};
  std::thread thread_;
};

double Seconds(Steady::time_point since) {
  return std::chrono::duration<double>(Steady::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int series = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  log::Configure(log::Level::kWarn);
  std::string dir =
      std::filesystem::temp_directory_path() / ("emm-export-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  storage::SqliteOptions so;
  so.path = dir + "/bench.db";
  so.full_sync = false;
  auto store = storage::SqliteEventStore::Open(so);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  storage::WriteQueue writes(store->get());
  api::StoredMetricState state(store->get(), &writes);
  // Half counters, half histograms, as real states are: each "project" has both kinds.
  Status filled = writes.Run([&](domain::Transaction& tx) {
    for (int i = 0; i < series / 2; ++i) {
      std::string p = "project-" + std::to_string(i);
      std::vector<domain::Sample> s = {
          {&domain::kDeploymentFrequency, p, "team-" + std::to_string(i % 20), "production", 1},
          {&domain::kLeadTimeForChanges, p, "team-" + std::to_string(i % 20), "production",
           60.0 * (i % 5000)}};
      EMM_RETURN_IF_ERROR(domain::Record(tx, s, 1700000000000));
    }
    return Status::Ok();
  });
  if (!filled.ok()) {
    std::fprintf(stderr, "fill: %s\n", filled.ToString().c_str());
    return 1;
  }
  auto states = (*store)->ListSeries();
  std::printf(
      "# OTLP export bench: %zu series (half counters, half 21-bucket histograms), %d rounds\n",
      states->size(), rounds);

  exporting::Attributes resource = {{"service.name", "em_metrics"}, {"environment", "production"}};
  for (auto enc : {exporting::Encoding::kProtobuf, exporting::Encoding::kJson}) {
    exporting::EncodeOptions eo;
    eo.encoding = enc;
    auto t0 = Steady::now();
    size_t bytes = 0;
    for (int r = 0; r < rounds; ++r) {
      bytes = 0;
      for (auto& c : exporting::EncodeInChunks(resource, *states, eo, 1700000001000, 4u << 20)) {
        bytes += c.body.size();
      }
    }
    double s = Seconds(t0);
    std::printf("RESULT encode_only encoding=%s points_per_s=%.0f bytes_per_export=%zu\n",
                enc == exporting::Encoding::kJson ? "json" : "protobuf",
                states->size() * rounds / s, bytes);
  }

  Receiver receiver;
  struct Case {
    const char* name;
    exporting::Encoding enc;
    bool gzip;
  };
  for (Case c : {Case{"protobuf", exporting::Encoding::kProtobuf, false},
                 Case{"protobuf+gzip", exporting::Encoding::kProtobuf, true},
                 Case{"json", exporting::Encoding::kJson, false},
                 Case{"json+gzip", exporting::Encoding::kJson, true}}) {
    exporting::CurlOptions co;
    co.url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/v1/metrics";
    co.content_type = c.enc == exporting::Encoding::kJson ? exporting::kJsonContentType
                                                          : exporting::kProtobufContentType;
    co.user_agent = "emm-export-bench";
    exporting::ExporterOptions eo;
    eo.resource = resource;
    eo.encode.encoding = c.enc;
    eo.gzip = c.gzip;
    exporting::SelfMetrics self;
    exporting::OtlpExporter exporter(eo, &state, exporting::MakeCurlTransport(co), &self,
                                     &SystemClock::Instance());
    (void)exporter.ExportOnce(10000);  // connect, warm up
    uint64_t before = receiver.bytes();
    auto t0 = Steady::now();
    for (int r = 0; r < rounds; ++r) {
      Status s = exporter.ExportOnce(10000);
      if (!s.ok()) {
        std::fprintf(stderr, "export: %s\n", s.ToString().c_str());
        return 1;
      }
    }
    double s = Seconds(t0);
    std::printf(
        "RESULT export case=%s points_per_s=%.0f ms_per_export=%.1f wire_bytes_per_export=%llu\n",
        c.name, states->size() * rounds / s, 1000 * s / rounds,
        static_cast<unsigned long long>((receiver.bytes() - before) / rounds));
    exporter.Stop(0);
  }
  writes.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
