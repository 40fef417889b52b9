// record-and-report: em-metrics as a library. Records two deployments and the incident one of them
// caused in an SQLite file, then prints the DORA figures of that week and the Prometheus series
// the events produced, as a server's GET /metrics would. Times are fixed, so the output is too.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "domain/commands.h"
#include "domain/dora.h"
#include "export/prometheus_text.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/write_queue.h"

namespace {

// Every call below returns a Status or a Result<T> (errors are values): stop at the first error.
template <typename T>
T OrExit(emm::Result<T> result) {
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*result);
}

emm::TimeMs At(const char* rfc3339) { return *emm::ParseTimestamp(rfc3339); }

}  // namespace

int main() {
  using namespace emm;
  log::Configure(log::Level::kWarn);  // the store logs its opening at info level

  // 1. A store in a fresh temporary directory: Open creates the file and applies the migrations.
  std::string dir_template = (std::filesystem::temp_directory_path() / "emm-example-XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::filesystem::path dir = dir_template;
  auto store = OrExit(storage::SqliteEventStore::Open({.path = dir / "events.db"}));

  // 2. What every command needs: which team owns what (the teams file's content) and the clock.
  domain::Team payments;
  payments.id = "payments";
  payments.projects = {"checkout"};
  const domain::TeamDirectory teams({payments});
  const domain::CommandContext ctx{.teams = &teams,
                                   .default_environment = "production",
                                   .now = SystemClock::Instance().NowMs()};

  // 3. Writes go through the group-commit queue, as the server's do: Run returns once the
  // transaction is committed and synced. A command validates, stores the event and folds its
  // samples into the metric series in that one transaction.
  storage::WriteQueue writes(store.get());
  auto deploy = [&](const char* id, const char* first_commit, const char* deployed) {
    domain::NewDeployment d;
    d.id = id;
    d.project_id = "checkout";
    d.first_commit_at = At(first_commit);
    d.deployed_at = At(deployed);  // given: recorded as already deployed
    d.deploy_start_at = *d.deployed_at - 10 * 60 * 1000;  // a 10-minute rollout (ms)
    return writes.Run([&](domain::Transaction& tx) {
      return domain::CreateDeployment(tx, ctx, d).status();
    });
  };
  Status s = deploy("checkout-41", "2026-11-02T08:00:00Z", "2026-11-02T10:00:00Z");
  if (s.ok()) s = deploy("checkout-42", "2026-11-04T13:00:00Z", "2026-11-04T14:00:00Z");
  if (s.ok()) {
    domain::NewIncident incident;  // caused by checkout-42, users affected for 45 minutes
    incident.project_id = "checkout";
    incident.deployment_id = "checkout-42";
    incident.started_at = At("2026-11-04T14:30:00Z");
    incident.restored_at = At("2026-11-04T15:15:00Z");
    s = writes.Run([&](domain::Transaction& tx) {
      return domain::CreateIncident(tx, ctx, incident).status();
    });
  }
  writes.Stop();
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }

  // 4. The DORA figures of the week, computed from the stored events (GET /api/v1/metrics/dora).
  const TimeMs from = At("2026-11-02T00:00:00Z"), to = At("2026-11-09T00:00:00Z");
  const auto facts = OrExit(store->LoadDoraFacts({.from = from, .to = to}));
  const domain::DoraReport dora = domain::ComputeDora(from, to, facts);
  std::printf("deployments: %zu (%.2f per day)\n", dora.deployment_frequency.count,
              dora.deployment_frequency.per_day);
  std::printf("lead time for changes, median: %.0f s\n", *dora.lead_time_for_changes.stats.median);
  std::printf("change failure rate: %.2f\n", *dora.change_failure_rate.ratio);
  std::printf("time to restore, median: %.0f s\n", *dora.time_to_restore.stats.median);
  std::printf("overall level: %s\n", domain::LevelName(*dora.overall_level));

  // 5. The series the commands recorded, in the Prometheus text format (GET /metrics), here
  // without the histograms' buckets.
  const auto series = OrExit(store->ListSeries());
  const std::string text =
      exporting::RenderExposition(series, {}, exporting::ExpositionFormat::kText004);
  std::printf("\n");
  for (size_t at = 0, end; at < text.size(); at = end + 1) {
    end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    if (line[0] != '#' && line.find("_bucket{") == std::string::npos) {
      std::printf("%s\n", line.c_str());
    }
  }

  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
