#include "storage/postgres/pg_dora_queries.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <unordered_map>

#include "storage/event_columns.h"
#include "storage/postgres/pg_event_rows.h"

namespace emm::storage::postgres {

using domain::Deployment;
using domain::Incident;

// The columns of kIncidentColumns, where a row's further columns start.
constexpr int kIncidentColumnCount = 9;

std::string PgStatement::Param(int64_t v) {
  params_.Add(v);
  return "$" + std::to_string(params_.size());
}

std::string PgStatement::Param(std::string_view v) {
  params_.Add(v);
  return "$" + std::to_string(params_.size());
}

std::string PgStatement::Array(const std::vector<std::string>& values) {
  params_.AddTextArray(values);
  return "$" + std::to_string(params_.size()) + "::text[]";
}

Result<PgResult> PgStatement::Run(PgConnection& c) const {
  // The text decides the name: the few variants of a read (which filters are present) are each
  // prepared once per connection.
  char name[64];
  std::snprintf(name, sizeof name, "%s_%zx", prefix_.c_str(), std::hash<std::string>{}(sql_));
  return c.Run(name, sql_, params_);
}

namespace {

// q's range as $1 and $2, then its project/team/environment filters on the table aliased `a`.
// Absent filters are left out of the text rather than passed as NULL: the planner then sees
// only the conditions that apply (at most 8 texts per read).
PgStatement Ranged(std::string prefix, const DoraQuery& q, std::string_view head) {
  PgStatement st(std::move(prefix));
  st += head;
  st.Param(q.from);
  st.Param(q.to);
  return st;
}

void AddFilters(PgStatement& st, const DoraQuery& q, const std::string& a) {
  if (!q.projects.empty()) st += " AND " + a + ".project_id = ANY(" + st.Array(q.projects) + ")";
  if (!q.teams.empty()) st += " AND " + a + ".team_id = ANY(" + st.Array(q.teams) + ")";
  if (!q.environments.empty()) {
    st += " AND " + a + ".environment = ANY(" + st.Array(q.environments) + ")";
  }
}

// Calls `each(row)` for every row of `st`'s result; the first error (a query's or a row's) stops.
template <typename Each>
Status ForEachRow(const PgStatement& st, PgConnection& c, Each&& each) {
  auto r = st.Run(c);
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->rows(); ++i) {
    PgRow row(*r, i);
    each(row);
    if (!row.status().ok()) return row.status();
  }
  return Status::Ok();
}

// For rows that start with kIncidentColumns: `each(incident, rest)`, `rest` reading the columns
// after them.
template <typename Each>
Status ForEachIncidentAnd(const PgStatement& st, PgConnection& c, Each&& each) {
  auto r = st.Run(c);
  if (!r.ok()) return r.status();
  for (int k = 0; k < r->rows(); ++k) {
    auto incident = ReadRow<Incident>(PgRow(*r, k));
    if (!incident.ok()) return incident.status();
    PgRow rest(*r, k, kIncidentColumnCount);
    each(std::move(incident).value(), rest);
    if (!rest.status().ok()) return rest.status();
  }
  return Status::Ok();
}

// link=previous_deployment: the incidents without a deployment_id that started from the range's
// start on (earlier ones cannot point into the range), each with the last deployment of its
// project and environment deployed before it started, latest by (deployed_at, id) across the
// project's groups as SQLite picks it. One statement: each incident's lookup is one backward
// index-only seek into deployments_dora_by_group per group (the inner LATERAL; a join of the
// groups with their deployments instead read every deployment of them: 4.7 s on 1M rows).
Status LoadInferredLinks(PgConnection& c, const DoraQuery& q,
                         std::vector<std::pair<Incident, TimeMs>>* out) {
  PgStatement st("emm_dora_inferred");
  st += "SELECT " + Prefixed(kIncidentColumns, "i") +
        ", l.deployed_at, l.id FROM incidents i CROSS JOIN LATERAL ("
        "SELECT x.deployed_at, x.id FROM dora_groups g CROSS JOIN LATERAL ("
        "SELECT d.deployed_at, d.id FROM deployments d WHERE d.group_id = g.id "
        "AND d.deployed_at IS NOT NULL AND d.deployed_at <= i.started_at "
        "ORDER BY d.deployed_at DESC, d.id DESC LIMIT 1) x "
        "WHERE g.project_id = i.project_id AND g.environment = i.environment "
        "ORDER BY x.deployed_at DESC, x.id DESC LIMIT 1) l "
        "WHERE i.deployment_id IS NULL AND i.started_at >= " +
        st.Param(q.from);
  AddFilters(st, q, "i");
  return ForEachIncidentAnd(st, c, [&](Incident i, PgRow& rest) {
    const TimeMs deployed_at = rest.Int();
    i.deployment_id = rest.Text();
    out->emplace_back(std::move(i), deployed_at);
  });
}

bool Wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

}  // namespace

Result<domain::DoraEvents> LoadDoraEvents(PgConnection& c, const DoraQuery& q) {
  domain::DoraEvents out;
  PgStatement deployed = Ranged("emm_dora_deployed", q,
                                "SELECT " + Prefixed(kDoraDeploymentColumns, "d") +
                                    " FROM deployments d "
                                    "WHERE d.deployed_at >= $1 AND d.deployed_at < $2");
  AddFilters(deployed, q, "d");
  EMM_RETURN_IF_ERROR(ForEachRow(deployed, c, [&](PgRow& row) {
    out.deployed.push_back(ReadDoraDeployment(row));
  }));

  PgStatement restored = Ranged("emm_dora_restored", q,
                                "SELECT " + Prefixed(kIncidentColumns, "i") +
                                    " FROM incidents i WHERE i.restored_at >= $1 AND "
                                    "i.restored_at < $2");
  AddFilters(restored, q, "i");
  auto r = Rows(restored.Run(c), &ReadRow<Incident>);
  if (!r.ok()) return r.status();
  out.restored = std::move(r).value();

  PgStatement detected =
      Ranged("emm_dora_detected", q,
             "SELECT " + Prefixed(kIncidentColumns, "i") +
                 ", d.deployed_at FROM incidents i JOIN deployments d ON d.id = i.deployment_id"
                 " WHERE i.started_at >= $1 AND i.started_at < $2 AND d.deployed_at IS NOT NULL");
  AddFilters(detected, q, "i");
  EMM_RETURN_IF_ERROR(ForEachIncidentAnd(detected, c, [&](Incident i, PgRow& rest) {
    out.detected.emplace_back(std::move(i), rest.Int());
  }));

  // The incidents that failed the range's deployments, whenever they started.
  PgStatement failures = Ranged("emm_dora_failures", q,
                                "SELECT " + Prefixed(kIncidentColumns, "i") +
                                    " FROM deployments d JOIN incidents i ON i.deployment_id = "
                                    "d.id WHERE d.deployed_at >= $1 AND d.deployed_at < $2 AND "
                                    "d.failed <> 0");
  AddFilters(failures, q, "d");
  failures += " ORDER BY i.started_at, i.id";
  auto f = Rows(failures.Run(c), &ReadRow<Incident>);
  if (!f.ok()) return f.status();
  for (Incident& i : *f) out.failures.push_back({std::move(i), /*inferred=*/false});

  if (q.link_previous) {
    std::vector<std::pair<Incident, TimeMs>> inferred;
    EMM_RETURN_IF_ERROR(LoadInferredLinks(c, q, &inferred));
    domain::AddInferredLinks(inferred, q.from, q.to, &out);
  }
  return out;
}

Result<domain::DoraFacts> LoadDoraFacts(PgConnection& c, const DoraQuery& q) {
  domain::DoraFacts out;
  // The groups wanted, each's index in out.groups.
  std::unordered_map<int64_t, uint32_t> index_of;
  std::string wanted = "{";
  PgStatement groups("emm_dora_groups");
  groups += "SELECT id, team_id, project_id, environment FROM dora_groups ORDER BY id";
  EMM_RETURN_IF_ERROR(ForEachRow(groups, c, [&](PgRow& row) {
        const int64_t id = row.Int();
        domain::DoraGroup g;
        g.team_id = row.Text();
        g.project_id = row.Text();
        g.environment = row.Text();
        if (!Wanted(q.projects, g.project_id) || !Wanted(q.teams, g.team_id) ||
            !Wanted(q.environments, g.environment)) {
          return;
        }
        index_of.emplace(id, static_cast<uint32_t>(out.groups.size()));
        out.groups.push_back(std::move(g));
        if (wanted.size() > 1) wanted += ',';
        wanted += std::to_string(id);
      }));
  wanted += '}';

  // Each range in one statement over the wanted groups: an index-only scan of the group index
  // (PostgreSQL's carries the facts' columns, pg_migrations.cc step 5) descending once per group,
  // all of them when nothing is filtered. Unordered: the figures do not depend on the order.
  auto ranged = [&](const char* prefix, const std::string& select, const char* time_column) {
    PgStatement st = Ranged(prefix, q, select);
    st += std::string(" WHERE group_id = ANY(") + st.Param(std::string_view(wanted)) +
          "::bigint[]) AND " + time_column + " >= $1 AND " + time_column + " < $2";
    return st;
  };
  auto group = [&](PgRow& row) -> std::optional<uint32_t> {
    auto it = index_of.find(row.Int());
    if (it == index_of.end()) return std::nullopt;  // not wanted: ANY(wanted) left it out
    return it->second;
  };

  if (!out.groups.empty()) {
    PgStatement deployed = ranged("emm_dora_fact_deployed",
                                  std::string("SELECT group_id, deployed_at, first_commit_at, "
                                              "deploy_start_at, failed, recovered_at, kind") +
                                      (q.link_previous ? ", id" : "") + " FROM deployments",
                                  "deployed_at");
    auto r = deployed.Run(c);
    if (!r.ok()) return r.status();
    out.deployed.reserve(static_cast<size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) {
      PgRow row(*r, i);
      auto g = group(row);
      if (!g) continue;
      domain::DeployedFact& d = out.deployed.emplace_back();
      d.group = *g;
      d.deployed_at = row.Int();
      d.first_commit_at = FirstCommitOf(row.Int());
      d.deploy_start_at = row.Int();
      d.failed = row.Int() != 0;
      d.recovered_at = row.OptInt();
      d.rework = DeploymentKindFromText(row.Text()) != domain::DeploymentKind::kPlanned;
      if (q.link_previous) out.deployment_ids.push_back(row.Text());
      if (!row.status().ok()) return row.status();
    }

    PgStatement restored = ranged(
        "emm_dora_fact_restored", "SELECT group_id, started_at, restored_at FROM incidents",
        "restored_at");
    EMM_RETURN_IF_ERROR(ForEachRow(restored, c, [&](PgRow& row) {
      auto g = group(row);
      const TimeMs started = row.Int(), restored_at = row.Int();
      if (g) out.restored.push_back({started, restored_at, *g});
    }));

    PgStatement detected =
        ranged("emm_dora_fact_detected",
               "SELECT group_id, started_at, deployment_deployed_at FROM incidents", "started_at");
    detected += " AND deployment_deployed_at IS NOT NULL";
    EMM_RETURN_IF_ERROR(ForEachRow(detected, c, [&](PgRow& row) {
      auto g = group(row);
      const TimeMs started = row.Int(), deployed_at = row.Int();
      if (g) out.detected.push_back({started, deployed_at, *g});
    }));
  }

  if (q.link_previous) {
    std::vector<std::pair<Incident, TimeMs>> inferred;
    EMM_RETURN_IF_ERROR(LoadInferredLinks(c, q, &inferred));
    domain::AddInferredLinks(inferred, q.from, q.to, &out);
  }
  return out;
}

Result<std::pair<std::vector<Deployment>, std::vector<Incident>>> LoadTimeline(PgConnection& c,
                                                                               const DoraQuery& q) {
  std::pair<std::vector<Deployment>, std::vector<Incident>> out;
  PgStatement deployed = Ranged(
      "emm_timeline_deployed", q,
      "SELECT " + Prefixed(kDeploymentColumns, "d") +
          " FROM deployments d WHERE d.deployed_at >= $1 AND d.deployed_at < $2");
  AddFilters(deployed, q, "d");
  deployed += " ORDER BY d.deployed_at, d.id";
  auto d = Rows(deployed.Run(c), &ReadRow<Deployment>);
  if (!d.ok()) return d.status();
  out.first = std::move(d).value();

  PgStatement incidents =
      Ranged("emm_timeline_incidents", q,
             "SELECT " + Prefixed(kIncidentColumns, "i") +
                 " FROM incidents i WHERE ((i.started_at >= $1 AND i.started_at < $2) OR "
                 "(i.restored_at >= $1 AND i.restored_at < $2))");
  AddFilters(incidents, q, "i");
  incidents += " ORDER BY i.started_at, i.id";
  auto i = Rows(incidents.Run(c), &ReadRow<Incident>);
  if (!i.ok()) return i.status();
  out.second = std::move(i).value();
  return out;
}

Result<std::vector<Deployment>> ListUndeployed(PgConnection& c, const DoraQuery& q,
                                               int64_t offset, int64_t limit) {
  // No index serves this (deployments not deployed are never queried by time on the hot path):
  // a scan, acceptable for an explanation.
  PgStatement st = Ranged("emm_dora_undeployed", q,
                          "SELECT " + Prefixed(kDeploymentColumns, "d") +
                              " FROM deployments d WHERE d.deployed_at IS NULL AND "
                              "d.deploy_start_at >= $1 AND d.deploy_start_at < $2");
  AddFilters(st, q, "d");
  st += " ORDER BY d.deploy_start_at, d.id LIMIT " + st.Param(limit) + " OFFSET " +
        st.Param(offset);
  return Rows(st.Run(c), &ReadRow<Deployment>);
}

}  // namespace emm::storage::postgres
