#include "cli/copy_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "common/log.h"
#include "storage/copy.h"
#include "storage/sqlite/sqlite_event_store.h"

namespace emm::cli {
namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;
constexpr const char* kPrefix = "em-metrics copy: ";

struct StoreUrl {
  std::string sqlite_path;  // empty: not SQLite
};

// sqlite:PATH, or a postgres:// URL: that one is refused until the PostgreSQL store is linked in
// (issue 14; the store factory will open both).
Result<StoreUrl> ParseStoreUrl(const std::string& flag, const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0 && url.size() > 7) return StoreUrl{url.substr(7)};
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    return Status::FailedPrecondition(flag +
                                      ": PostgreSQL is not available in this build yet (issue 14)");
  }
  return Status::InvalidArgument(flag,
                                 "expected sqlite:PATH or postgres://..., got \"" + url + "\"");
}

Result<std::unique_ptr<storage::EventStore>> OpenSqlite(const std::string& path, bool target) {
  storage::SqliteOptions o;
  o.path = path;
  // The target commits once per batch and syncs at the end; the source is only read, so it
  // never checkpoints (a server may still have it open).
  o.full_sync = target;
  if (!target) o.checkpoint_pages = 0;
  auto store = storage::SqliteEventStore::Open(o);
  if (!store.ok()) return store.status();
  return std::unique_ptr<storage::EventStore>(std::move(*store));
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
  app.add_option("--from", from, "the database to copy: sqlite:PATH")->required();
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

  auto source_url = ParseStoreUrl("--from", from);
  auto target_url = source_url.ok() ? ParseStoreUrl("--to", to) : source_url;
  for (const auto* u : {&source_url, &target_url}) {
    if (!u->ok()) {
      std::cerr << kPrefix << u->status().ToString() << "\n";
      return ExitCodeFor(u->status());
    }
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(source_url->sqlite_path, ec)) {
    std::cerr << kPrefix << "--from: no database file at " << source_url->sqlite_path << "\n";
    return kExitConfig;
  }
  if (std::filesystem::weakly_canonical(source_url->sqlite_path, ec) ==
      std::filesystem::weakly_canonical(target_url->sqlite_path, ec)) {
    std::cerr << kPrefix << "--from and --to name the same database\n";
    return kExitConfig;
  }
  auto source = OpenSqlite(source_url->sqlite_path, /*target=*/false);
  if (!source.ok()) {
    std::cerr << kPrefix << "cannot open " << from << ": " << source.status().ToString() << "\n";
    return ExitCodeFor(source.status());
  }
  auto target = OpenSqlite(target_url->sqlite_path, /*target=*/true);
  if (!target.ok()) {
    std::cerr << kPrefix << "cannot open " << to << ": " << target.status().ToString() << "\n";
    return ExitCodeFor(target.status());
  }

  ProgressLines progress;
  auto report = storage::CopyEvents(**source, **target, options, std::ref(progress));
  if (report.ok()) {
    Status synced = (*target)->Sync();
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
  auto verification = storage::VerifyCopy(**source, **target, *report);
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
