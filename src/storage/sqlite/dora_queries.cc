#include "storage/sqlite/dora_queries.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/log.h"
#include "storage/sqlite/dora_fact.h"
#include "storage/sqlite/sqlite_status.h"
#include "storage/sqlite/statements.h"

namespace emm::storage::sqlite {

using domain::Deployment;
using domain::Incident;

namespace {

// A JSON array of strings, for `IN (SELECT value FROM json_each(?))`: one statement text for any
// number of values (the statement cache stays bounded).
std::string JsonArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (unsigned char ch : v) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
        out += static_cast<char>(ch);
      } else if (ch < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", ch);
        out += buf;
      } else {
        out += static_cast<char>(ch);
      }
    }
    out += '"';
  }
  return out + "]";
}

// The project/team/environment filters present in `q`, on the table aliased `a`, bound at ?3, ?4,
// ?5. Absent filters are left out of the text (an "?3 IS NULL OR ..." made SQLite evaluate the
// subquery for every row: 10x slower); at most 8 statement texts per query.
// Binds what DoraFilters refers to: ?1 from, ?2 to, ?3-?5 the filters as JSON arrays.
class DoraBinder {
 public:
  explicit DoraBinder(const DoraQuery& q)
      : q_(q),
        projects_(JsonArray(q.projects)),
        teams_(JsonArray(q.teams)),
        environments_(JsonArray(q.environments)) {}
  void operator()(sqlite3_stmt* st) const {
    sqlite3_bind_int64(st, 1, q_.from);
    sqlite3_bind_int64(st, 2, q_.to);
    if (!q_.projects.empty()) BindText(st, 3, projects_);
    if (!q_.teams.empty()) BindText(st, 4, teams_);
    if (!q_.environments.empty()) BindText(st, 5, environments_);
  }

 private:
  const DoraQuery& q_;
  std::string projects_, teams_, environments_;
};

std::string DoraFilters(const DoraQuery& q, const std::string& a) {
  std::string out;
  if (!q.projects.empty()) out += " AND " + a + ".project_id IN (SELECT value FROM json_each(?3))";
  if (!q.teams.empty()) out += " AND " + a + ".team_id IN (SELECT value FROM json_each(?4))";
  if (!q.environments.empty()) {
    out += " AND " + a + ".environment IN (SELECT value FROM json_each(?5))";
  }
  return out;
}

// link=previous_deployment: incidents without a deployment_id that started from the range's start
// on (earlier ones cannot point into the range), each with the last deployment of its project and
// environment deployed before it started (its id in deployment_id, and its deployed_at).
// The latest deployment is found per (team, project, environment) group of the incident's project
// and environment: one seek into the group index, which holds (deployed_at, id), so no row of
// the deployments table is read (two lookups by text id per incident otherwise: most of the time).
Status LoadInferredLinks(SqliteConnection& c, const DoraQuery& q,
                         std::vector<std::pair<Incident, TimeMs>>* out) {
  std::vector<Incident> unlinked;
  EMM_RETURN_IF_ERROR(c.Query("SELECT " + Prefixed(kIncidentColumns, "i") +
                                  " FROM incidents i WHERE i.deployment_id IS NULL AND "
                                  "i.started_at >= ?1" +
                                  DoraFilters(q, "i"),
                              DoraBinder(q), [&](sqlite3_stmt* st) {
                                unlinked.push_back(ReadRow<Incident>(st));
                                return Status::Ok();
                              }));
  if (unlinked.empty()) return Status::Ok();
  static const std::string kGroupsOf =
      "SELECT id FROM dora_groups WHERE project_id = ?1 AND environment = ?2";
  static const std::string kLatest =
      "SELECT deployed_at, id FROM deployments INDEXED BY deployments_dora_by_group "
      "WHERE group_id = ?1 AND deployed_at IS NOT NULL AND deployed_at <= ?2 "
      "ORDER BY deployed_at DESC, id DESC LIMIT 1";
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> groups_of;
  for (Incident& i : unlinked) {
    auto [g, added] = groups_of.try_emplace({i.project_id, i.environment});
    if (added) {
      EMM_RETURN_IF_ERROR(c.Query(
          kGroupsOf,
          [&](sqlite3_stmt* st) {
            BindText(st, 1, i.project_id);
            BindText(st, 2, i.environment);
          },
          [&](sqlite3_stmt* st) {
            g->second.push_back(sqlite3_column_int64(st, 0));
            return Status::Ok();
          }));
    }
    // The latest across the groups, by (deployed_at, id) as each group's index orders them.
    std::optional<std::pair<TimeMs, std::string>> best;
    for (int64_t group : g->second) {
      EMM_RETURN_IF_ERROR(c.Query(
          kLatest,
          [&](sqlite3_stmt* st) {
            sqlite3_bind_int64(st, 1, group);
            sqlite3_bind_int64(st, 2, i.started_at);
          },
          [&](sqlite3_stmt* st) {
            std::pair<TimeMs, std::string> found{sqlite3_column_int64(st, 0), ColText(st, 1)};
            if (!best || found > *best) best = std::move(found);
            return Status::Ok();
          }));
    }
    if (!best) continue;
    i.deployment_id = std::move(best->second);
    out->emplace_back(std::move(i), best->first);
  }
  return Status::Ok();
}

bool Wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

}  // namespace

Result<domain::DoraEvents> LoadDoraEvents(SqliteConnection& c, const DoraQuery& q) {
  const DoraBinder bind(q);
  const std::string kDeployed =
      "SELECT " + Prefixed(kDoraDeploymentColumns, "d") +
      " FROM deployments d INDEXED BY deployments_by_deployed_at "
      "WHERE d.deployed_at >= ?1 AND d.deployed_at < ?2" +
      DoraFilters(q, "d");
  const std::string kRestored = "SELECT " + Prefixed(kIncidentColumns, "i") +
                                " FROM incidents i WHERE i.restored_at >= ?1 AND "
                                "i.restored_at < ?2" +
                                DoraFilters(q, "i");
  const std::string kDetected =
      "SELECT " + Prefixed(kIncidentColumns, "i") +
      ", d.deployed_at FROM incidents i JOIN deployments d ON d.id = i.deployment_id"
      " WHERE i.started_at >= ?1 AND i.started_at < ?2 AND d.deployed_at IS NOT NULL" +
      DoraFilters(q, "i");
  // The incidents that failed the range's deployments, whenever they started.
  const std::string kFailures = "SELECT " + Prefixed(kIncidentColumns, "i") +
                                " FROM deployments d INDEXED BY deployments_by_deployed_at"
                                " JOIN incidents i ON i.deployment_id = d.id"
                                " WHERE d.deployed_at >= ?1 AND d.deployed_at < ?2 AND d.failed" +
                                DoraFilters(q, "d") + " ORDER BY i.started_at, i.id";

  domain::DoraEvents out;
  Status s = c.Query(kDeployed, bind, [&](sqlite3_stmt* st) {
    SqliteRow row(st);
    out.deployed.push_back(ReadDoraDeployment(row));
    return Status::Ok();
  });
  if (s.ok()) {
    s = c.Query(kRestored, bind, [&](sqlite3_stmt* st) {
      out.restored.push_back(ReadRow<Incident>(st));
      return Status::Ok();
    });
  }
  if (s.ok()) {
    s = c.Query(kDetected, bind, [&](sqlite3_stmt* st) {
      SqliteRow row(st);
      Incident i = ReadColumns<Incident>(row);
      out.detected.emplace_back(std::move(i), row.Int());  // d.deployed_at
      return Status::Ok();
    });
  }
  if (s.ok()) {
    s = c.Query(kFailures, bind, [&](sqlite3_stmt* st) {
      out.failures.push_back({ReadRow<Incident>(st), /*inferred=*/false});
      return Status::Ok();
    });
  }
  if (s.ok() && q.link_previous) {
    std::vector<std::pair<Incident, TimeMs>> inferred;
    s = LoadInferredLinks(c, q, &inferred);
    if (s.ok()) domain::AddInferredLinks(inferred, q.from, q.to, &out);
  }
  if (!s.ok()) return s;
  return out;
}

Result<domain::DoraFacts> LoadDoraFacts(SqliteConnection& c, const DoraQuery& q,
                                        size_t expected_deployments) {
  domain::DoraFacts out;
  // Per group: the range of each of the three indexes. Rows are stepped here directly: this loop
  // runs once per event in the range, and is most of a DORA query's time.
  static const std::string kGroups =
      "SELECT id, team_id, project_id, environment FROM dora_groups ORDER BY id";
  // The id is in the index (schema 5): read only when needed (inferred links, a missing fact).
  static const std::string deployed_sql =
      "SELECT deployed_at, dora_fact, id FROM deployments INDEXED BY deployments_dora_by_group "
      "WHERE group_id = ?1 AND deployed_at >= ?2 AND deployed_at < ?3";
  // A row written by something other than em-metrics (the sqlite3 shell, say) may lack its packed
  // facts: they are computed from its columns instead, and the range says so in the log.
  static const std::string kFactOfRow =
      "SELECT emm_dora_fact(first_commit_at, deploy_start_at, failed, recovered_at, kind) "
      "FROM deployments WHERE id = ?1";
  static const std::string kRestored =
      "SELECT started_at, restored_at FROM incidents INDEXED BY incidents_dora_restored "
      "WHERE group_id = ?1 AND restored_at >= ?2 AND restored_at < ?3";
  static const std::string kDetected =
      "SELECT started_at, deployment_deployed_at FROM incidents INDEXED BY incidents_dora_started "
      "WHERE group_id = ?1 AND deployment_deployed_at IS NOT NULL AND started_at >= ?2 AND "
      "started_at < ?3";

  out.deployed.reserve(expected_deployments);
  auto read = [&]() -> Status {
    int64_t missing_facts = 0;
    std::vector<std::pair<int64_t, domain::DoraGroup>> groups;
    EMM_RETURN_IF_ERROR(c.Query(kGroups, nullptr, [&](sqlite3_stmt* st) {
      groups.push_back(
          {sqlite3_column_int64(st, 0), {ColText(st, 2), ColText(st, 1), ColText(st, 3)}});
      return Status::Ok();
    }));
    auto deployed = c.Prepare(deployed_sql);
    auto restored = c.Prepare(kRestored);
    auto detected = c.Prepare(kDetected);
    for (const auto* stmt : {&deployed, &restored, &detected}) {
      if (!stmt->ok()) return stmt->status();
    }
    Status fallback = Status::Ok();  // the first error computing a missing fact
    // Steps `st` over one group's range, calling `row` on each row.
    auto each = [&](sqlite3_stmt* st, int64_t group_id, auto&& row) -> Status {
      Use use(st);
      sqlite3_bind_int64(st, 1, group_id);
      sqlite3_bind_int64(st, 2, q.from);
      sqlite3_bind_int64(st, 3, q.to);
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
      return rc == SQLITE_DONE ? Status::Ok() : FromSqlite(c.db(), rc, "reading");
    };
    for (const auto& [id, g] : groups) {
      if (!Wanted(q.projects, g.project_id) || !Wanted(q.teams, g.team_id) ||
          !Wanted(q.environments, g.environment)) {
        continue;
      }
      const uint32_t index = static_cast<uint32_t>(out.groups.size());
      out.groups.push_back(g);
      EMM_RETURN_IF_ERROR(each(*deployed, id, [&](sqlite3_stmt* st) {
        domain::DeployedFact& d = out.deployed.emplace_back();
        d.deployed_at = sqlite3_column_int64(st, 0);
        const void* fact = sqlite3_column_blob(st, 1);
        if (!DecodeDoraFact(fact, sqlite3_column_bytes(st, 1), &d)) {
          ++missing_facts;
          Status got = c.Query(
              kFactOfRow, [&](sqlite3_stmt* f) { BindText(f, 1, ColText(st, 2)); },
              [&](sqlite3_stmt* f) {
                DecodeDoraFact(sqlite3_column_blob(f, 0), sqlite3_column_bytes(f, 0), &d);
                return Status::Ok();
              });
          if (fallback.ok()) fallback = got;
        }
        d.group = index;
        if (q.link_previous) out.deployment_ids.push_back(ColText(st, 2));
      }));
      EMM_RETURN_IF_ERROR(each(*restored, id, [&](sqlite3_stmt* st) {
        out.restored.push_back({sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), index});
      }));
      EMM_RETURN_IF_ERROR(each(*detected, id, [&](sqlite3_stmt* st) {
        out.detected.push_back({sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), index});
      }));
    }
    EMM_RETURN_IF_ERROR(fallback);
    if (missing_facts > 0) {
      log::Warn("deployments without their packed DORA facts were read from their columns",
                {{"deployments", missing_facts},
                 {"hint", "rows written by something other than em-metrics (dora_fact is NULL)"}});
    }
    if (q.link_previous) {
      std::vector<std::pair<Incident, TimeMs>> inferred;
      EMM_RETURN_IF_ERROR(LoadInferredLinks(c, q, &inferred));
      domain::AddInferredLinks(inferred, q.from, q.to, &out);
    }
    return Status::Ok();
  };
  EMM_RETURN_IF_ERROR(read());
  return out;
}

Result<std::pair<std::vector<Deployment>, std::vector<Incident>>> LoadTimeline(SqliteConnection& c,
                                                                               const DoraQuery& q) {
  const DoraBinder bind(q);
  std::pair<std::vector<Deployment>, std::vector<Incident>> out;
  Status s = c.Query("SELECT " + Prefixed(kDeploymentColumns, "d") +
                         " FROM deployments d WHERE d.deployed_at >= ?1 AND d.deployed_at < ?2" +
                         DoraFilters(q, "d") + " ORDER BY d.deployed_at, d.id",
                     bind, [&](sqlite3_stmt* st) {
                       out.first.push_back(ReadRow<Deployment>(st));
                       return Status::Ok();
                     });
  if (s.ok()) {
    s = c.Query("SELECT " + Prefixed(kIncidentColumns, "i") +
                    " FROM incidents i WHERE ((i.started_at >= ?1 AND i.started_at < ?2) OR "
                    "(i.restored_at >= ?1 AND i.restored_at < ?2))" +
                    DoraFilters(q, "i") + " ORDER BY i.started_at, i.id",
                bind, [&](sqlite3_stmt* st) {
                  out.second.push_back(ReadRow<Incident>(st));
                  return Status::Ok();
                });
  }
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<Deployment>> ListUndeployed(SqliteConnection& c, const DoraQuery& q,
                                               int64_t offset, int64_t limit) {
  const DoraBinder bind(q);
  std::vector<Deployment> out;
  // No index serves this (deployments not deployed are never queried by time on the hot path):
  // a scan, acceptable for an explanation.
  EMM_RETURN_IF_ERROR(c.Query(
      "SELECT " + Prefixed(kDeploymentColumns, "d") +
          " FROM deployments d WHERE d.deployed_at IS NULL AND d.deploy_start_at >= ?1 AND "
          "d.deploy_start_at < ?2" +
          DoraFilters(q, "d") + " ORDER BY d.deploy_start_at, d.id LIMIT ?6 OFFSET ?7",
      [&](sqlite3_stmt* st) {
        bind(st);
        sqlite3_bind_int64(st, 6, limit);
        sqlite3_bind_int64(st, 7, offset);
      },
      [&](sqlite3_stmt* st) {
        out.push_back(ReadRow<Deployment>(st));
        return Status::Ok();
      }));
  return out;
}

}  // namespace emm::storage::sqlite
