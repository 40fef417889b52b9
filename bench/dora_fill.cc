// Fills a SQLite database for the DORA query bench: DEPLOYMENTS deployments and INCIDENTS
// incidents spread over 3 years and 200 projects (20 teams of 10 projects, 3 environments),
// written through the real store. Deterministic (fixed seed).
//   build/emm_dora_fill DB [deployments=1000000] [incidents=100000]
//   FILL_SIDECAR=/tmp/pg build/emm_dora_fill postgres://... (writes /tmp/pg.teams.json)
// Also writes DB.teams.json, the matching teams config (team-00 .. team-19).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fill_store.h"

using namespace emm;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB [deployments] [incidents]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const long deployments = argc > 2 ? std::atol(argv[2]) : 1000000;
  const long incidents = argc > 3 ? std::atol(argv[3]) : 100000;
  auto store = bench::OpenFillStore(path);
  if (!store) return 1;
  constexpr TimeMs kDay = 86400000;
  const TimeMs end = *ParseTimestamp("2026-11-01T00:00:00Z");
  const TimeMs start = end - 3 * 365 * kDay;
  const char* envs[] = {"production", "production", "staging"};
  std::mt19937_64 rng(42);
  auto uniform = [&](TimeMs lo, TimeMs hi) {
    return std::uniform_int_distribution<TimeMs>(lo, hi - 1)(rng);
  };
  // Lead times from minutes to weeks (log-uniform), durations 1-60 min.
  auto lead = [&] {
    return static_cast<TimeMs>(std::exp(std::uniform_real_distribution<double>(
                                   std::log(60e3), std::log(21.0 * kDay))(rng)));
  };

  const long batch = 20000;
  for (long b = 0; b < deployments; b += batch) {
    storage::EventStore::Work w = [&](domain::Transaction& tx) {
      for (long i = b; i < std::min(deployments, b + batch); ++i) {
        domain::Deployment d;
        d.id = "dep-" + std::to_string(i);
        int project = static_cast<int>(rng() % 200);
        d.project_id = "project-" + std::to_string(project);
        char team[16];
        std::snprintf(team, sizeof team, "team-%02d", project / 10);
        d.team_id = team;
        d.environment = envs[rng() % 3];
        TimeMs at = uniform(start, end);
        d.deployed_at = at;
        d.status = domain::DeploymentStatus::kDeployed;
        d.first_commit_at = at - lead();
        d.deploy_start_at = at - uniform(60000, 3600000);
        d.created_at = d.deploy_start_at;
        int k = static_cast<int>(rng() % 100);
        d.kind = k < 5 ? domain::DeploymentKind::kHotfix
                 : k < 7 ? domain::DeploymentKind::kRollback
                         : domain::DeploymentKind::kPlanned;
        EMM_RETURN_IF_ERROR(tx.InsertDeployment(d));
      }
      return Status::Ok();
    };
    if (!bench::RunWork(*store, std::move(w))) return 1;
  }
  for (long b = 0; b < incidents; b += batch) {
    storage::EventStore::Work w = [&](domain::Transaction& tx) {
      for (long i = b; i < std::min(incidents, b + batch); ++i) {
        domain::Incident in;
        in.id = "inc-" + std::to_string(i);
        // Two in three are linked to a deployment, starting within a day of it.
        long dep = static_cast<long>(rng() % static_cast<uint64_t>(deployments));
        auto d = tx.FindDeployment("dep-" + std::to_string(dep));
        if (!d.ok()) return d.status();
        if (rng() % 3 != 0 && d->has_value()) {
          in.deployment_id = (*d)->id;
          in.project_id = (*d)->project_id;
          in.team_id = (*d)->team_id;
          in.environment = (*d)->environment;
          in.started_at = *(*d)->deployed_at + uniform(60000, kDay);
        } else {
          int project = static_cast<int>(rng() % 200);
          in.project_id = "project-" + std::to_string(project);
          char team[16];
          std::snprintf(team, sizeof team, "team-%02d", project / 10);
          in.team_id = team;
          in.environment = envs[rng() % 3];
          in.started_at = uniform(start, end);
        }
        in.restored_at = in.started_at + uniform(60000, 2 * kDay);
        if (rng() % 2) in.finished_at = *in.restored_at + uniform(60000, kDay);
        in.created_at = in.started_at;
        EMM_RETURN_IF_ERROR(tx.InsertIncident(in));
        if (in.deployment_id) {  // what the incident commands record on the deployment
          domain::Deployment linked = **d;
          linked.failed = true;
          if (!linked.recovered_at || *in.restored_at < *linked.recovered_at) {
            linked.recovered_at = in.restored_at;
          }
          EMM_RETURN_IF_ERROR(tx.UpdateDeployment(linked));
        }
      }
      return Status::Ok();
    };
    if (!bench::RunWork(*store, std::move(w))) return 1;
  }
  std::ofstream teams(bench::SidecarPath(path, ".teams.json"));
  teams << "{\"teams\": {";
  for (int t = 0; t < 20; ++t) {
    char name[16];
    std::snprintf(name, sizeof name, "team-%02d", t);
    teams << (t ? "," : "") << "\"" << name << "\": {\"projects\": [";
    for (int p = 0; p < 10; ++p) teams << (p ? "," : "") << "\"project-" << t * 10 + p << "\"";
    teams << "]}";
  }
  teams << "}}\n";
  std::printf("filled %s: %ld deployments, %ld incidents\n", path.c_str(), deployments, incidents);
  return 0;
}
