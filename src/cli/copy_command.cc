#include "cli/copy_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "common/log.h"
#include "config/settings.h"
#include "storage/copy.h"
#include "storage/open_store.h"

namespace emm::cli {
namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;
constexpr const char* kPrefix = "em-metrics copy: ";

// A store named on the command line, opened through the store factory (storage/open_store.h).
struct CopyStore {
  storage::StoreChoice choice;
  std::string name;  // for messages: the file, or the URL with its password masked
};

// sqlite:PATH or a postgres:// (postgresql://) URL. `target`: the store written, which syncs at
// the end; a source never checkpoints (a server may still have the file open).
Result<CopyStore> ParseStore(const std::string& flag, const std::string& url, bool target) {
  CopyStore out;
  if (url.rfind("sqlite:", 0) == 0 && url.size() > 7) {
    out.choice.backend = storage::Backend::kSqlite;
    out.choice.sqlite.path = url.substr(7);
    out.choice.sqlite.full_sync = target;
    if (!target) out.choice.sqlite.checkpoint_pages = 0;
    out.name = out.choice.sqlite.path;
    return out;
  }
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    out.choice.backend = storage::Backend::kPostgres;
    out.choice.postgres.url = url;
    out.choice.postgres.pool_size = 2;  // one batch or one read at a time
    out.name = config::MaskedDatabaseUrl(url);
    return out;
  }
  return Status::InvalidArgument(flag, "expected sqlite:PATH or postgres://..., got \"" +
                                           config::MaskedDatabaseUrl(url) + "\"");
}

// Both name the same database: the same file, or the same URL.
bool SameStore(const CopyStore& a, const CopyStore& b) {
  if (a.choice.backend != b.choice.backend) return false;
  if (a.choice.backend == storage::Backend::kPostgres) {
    return a.choice.postgres.url == b.choice.postgres.url;
  }
  std::error_code ec;
  return std::filesystem::weakly_canonical(a.choice.sqlite.path, ec) ==
         std::filesystem::weakly_canonical(b.choice.sqlite.path, ec);
}

int ExitCodeFor(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kFailedPrecondition
             ? kExitConfig
             : kExitRuntime;
}

// Progress on stderr: a table's first batch, then at most one line a second.
class ProgressLines {
 public:
  void operator()(const storage::CopyTableCounts& c) {
    const auto now = std::chrono::steady_clock::now();
    if (c.table == table_ && now - last_ < std::chrono::seconds(1)) return;
    table_ = c.table;
    last_ = now;
    std::cerr << kPrefix << c.table << ": " << c.read << " read, " << c.inserted << " inserted, "
              << c.updated << " updated, " << c.unchanged << " already there" << std::endl;
  }

 private:
  std::string table_;
  std::chrono::steady_clock::time_point last_;
};

void PrintReport(const storage::CopyReport& report) {
  std::printf("%-26s %12s %12s %10s %12s\n", "table", "read", "inserted", "updated",
              "already there");
  for (const auto& t : report.tables) {
    std::printf("%-26s %12lld %12lld %10lld %12lld\n", t.table.c_str(),
                static_cast<long long>(t.read), static_cast<long long>(t.inserted),
                static_cast<long long>(t.updated), static_cast<long long>(t.unchanged));
  }
}

void PrintVerification(const storage::CopyVerification& v) {
  std::printf("\n%-46s %14s %14s\n", "check", "source", "target");
  for (const auto& c : v.checks) {
    std::printf("%-46s %14s %14s %s\n", c.name.c_str(), c.source.c_str(), c.target.c_str(),
                !c.checked ? "not checked"
                : c.equal  ? "ok"
                           : "DIFFERS");
  }
}

}  // namespace

int CopyMain(int argc, char** argv) {
  CLI::App app(
      "em-metrics copy: copy every event, the metric state and the export marks into another "
      "store, then check the two agree (row counts, DORA figures). Run it again after an "
      "interruption: what the target holds already is skipped. Stop the server first "
      "(docs/operations.md).",
      "em-metrics copy");
  std::string from, to;
  storage::CopyOptions options;
  app.add_option("--from", from, "the database to copy: sqlite:PATH (or postgres://...)")
      ->required();
  app.add_option("--to", to, "where to: postgres://USER:PASS@HOST:PORT/DB or sqlite:PATH")
      ->required();
  app.add_option("--batch", options.batch, "records per target transaction")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}))
      ->capture_default_str();
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitConfig;
  }
  // Logs (migrations applied on open) go to stderr: stdout is the report.
  log::Configure(log::Level::kWarn, log::Format::kAuto, 2);

  auto source_store = ParseStore("--from", from, /*target=*/false);
  auto target_store = source_store.ok() ? ParseStore("--to", to, /*target=*/true) : source_store;
  for (const auto* u : {&source_store, &target_store}) {
    if (!u->ok()) {
      std::cerr << kPrefix << u->status().ToString() << "\n";
      return ExitCodeFor(u->status());
    }
  }
  std::error_code ec;
  if (source_store->choice.backend == storage::Backend::kSqlite &&
      !std::filesystem::is_regular_file(source_store->choice.sqlite.path, ec)) {
    std::cerr << kPrefix << "--from: no database file at " << source_store->name << "\n";
    return kExitConfig;
  }
  if (SameStore(*source_store, *target_store)) {
    std::cerr << kPrefix << "--from and --to name the same database\n";
    return kExitConfig;
  }
  // Opening migrates either side to the current schema, as `serve` would.
  auto source = storage::OpenEventStore(source_store->choice);
  if (!source.ok()) {
    std::cerr << kPrefix << "cannot open " << source_store->name << ": "
              << source.status().ToString() << "\n";
    return ExitCodeFor(source.status());
  }
  auto target = storage::OpenEventStore(target_store->choice);
  if (!target.ok()) {
    std::cerr << kPrefix << "cannot open " << target_store->name << ": "
              << target.status().ToString() << "\n";
    return ExitCodeFor(target.status());
  }

  ProgressLines progress;
  auto report = storage::CopyEvents(*source->store, *target->store, options, std::ref(progress));
  if (report.ok()) {
    Status synced = target->store->Sync();
    if (!synced.ok()) report = synced;
  }
  if (!report.ok()) {
    std::cerr << kPrefix << "stopped: " << report.status().ToString()
              << "\nWhat was committed stays; run the same command again to continue.\n";
    return kExitRuntime;
  }
  PrintReport(*report);
  for (const std::string& what : report->left_out) {
    std::cerr << kPrefix << "not copied: " << what << "\n";
  }
  auto verification = storage::VerifyCopy(*source->store, *target->store, *report);
  if (!verification.ok()) {
    std::cerr << kPrefix << "cannot verify: " << verification.status().ToString() << "\n";
    return kExitRuntime;
  }
  PrintVerification(*verification);
  std::fflush(stdout);
  if (!verification->ok()) {
    std::cerr << kPrefix << "the target differs from the source:";
    for (const auto& c : verification->checks) {
      if (!c.equal) std::cerr << " " << c.name << " (" << c.source << " / " << c.target << ")";
    }
    std::cerr << "\n";
    return kExitRuntime;
  }
  std::cerr << kPrefix << "done: the target equals the source\n";
  return 0;
}

}  // namespace emm::cli
