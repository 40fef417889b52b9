// The writer thread's cost per write, without HTTP: the load harness's workload (create a
// deployment, mark an earlier one deployed, 50 projects) run through the real domain commands and
// SqliteEventStore in batches of a given size, on a fresh database. Prints microseconds of writer
// work per write (RunBatch: SQL and commit) and, separately, per Sync() (the fdatasync).
//   build/emm_store_bench DIR [writes=200000] [batch sizes=1,8,64,512]
// This is the part of bench/run_load.sh's latency that the single writer thread serialises: at
// X us per write it cannot acknowledge more than 1e6/X writes per second.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "common/log.h"
#include "domain/commands.h"
#include "storage/sqlite/sqlite_event_store.h"

using namespace emm;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Figures {
  double run_us = 0;   // RunBatch per write
  double sync_us = 0;  // Sync per write
  double sync_ms = 0;  // per Sync
};

Figures RunOnce(const std::string& path, long writes, size_t batch) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  storage::SqliteOptions o;
  o.path = path;
  auto store = storage::SqliteEventStore::Open(o);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  domain::TeamDirectory teams;
  domain::CommandContext ctx{&teams, "production", *ParseTimestamp("2024-05-02T10:00:00Z")};
  const TimeMs first_commit = *ParseTimestamp("2024-05-01T10:00:00Z");
  constexpr long kLag = 256;  // as bench/wrk/deployments.lua
  long created = 0, marked = 0;
  std::vector<storage::EventStore::Work> work;
  std::chrono::duration<double> run{0}, sync{0};
  long syncs = 0;
  for (long n = 0; n < writes;) {
    work.clear();
    for (; work.size() < batch && n < writes; ++n) {
      if (n % 2 == 0 || created <= kLag) {
        domain::NewDeployment d;
        d.id = "b1-12345-" + std::to_string(++created);
        d.project_id = "bench-" + std::to_string(created % 50);
        d.first_commit_at = first_commit;
        work.push_back([d, &ctx](domain::Transaction& tx) {
          return domain::CreateDeployment(tx, ctx, d).status();
        });
      } else {
        domain::MarkDeployed m;
        m.id = "b1-12345-" + std::to_string(++marked);
        work.push_back([m, &ctx](domain::Transaction& tx) {
          return domain::MarkDeploymentDeployed(tx, ctx, m).status();
        });
      }
    }
    auto t0 = SteadyClock::now();
    for (const Status& s : (*store)->RunBatch(work)) {
      if (!s.ok()) {
        std::fprintf(stderr, "write failed: %s\n", s.ToString().c_str());
        std::exit(1);
      }
    }
    auto t1 = SteadyClock::now();
    Status s = (*store)->Sync();
    if (!s.ok()) {
      std::fprintf(stderr, "sync failed: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    run += t1 - t0;
    sync += SteadyClock::now() - t1;
    ++syncs;
  }
  return {run.count() * 1e6 / writes, sync.count() * 1e6 / writes, sync.count() * 1e3 / syncs};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [writes=200000] [batch sizes=1,8,64,512]\n", argv[0]);
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/store_bench.db";
  const long writes = argc > 2 ? std::atol(argv[2]) : 200000;
  std::vector<size_t> sizes;
  std::stringstream list(argc > 3 ? argv[3] : "1,8,64,512");
  for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoul(item));
  log::Configure(log::Level::kWarn);
  for (size_t batch : sizes) {
    Figures f = RunOnce(path, writes, batch);
    std::printf(
        "RESULT batch=%zu writes=%ld run_us_per_write=%.1f sync_us_per_write=%.1f "
        "sync_ms=%.3f writer_limit_per_s=%.0f\n",
        batch, writes, f.run_us, f.sync_us, f.sync_ms, 1e6 / f.run_us);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}
