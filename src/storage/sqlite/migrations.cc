#include "storage/sqlite/migrations.h"

namespace emm::storage::sqlite {
namespace {

// Instants are INTEGER UTC milliseconds. team_id '' means "no team" (series keys need a value).
// Tables are clustered on their text id (WITHOUT ROWID): one b-tree less to write per event.
constexpr Migration kMigrations[] = {
    {1, "events and metric state", R"sql(
CREATE TABLE deployments (
  id              TEXT PRIMARY KEY,
  project_id      TEXT NOT NULL,
  team_id         TEXT NOT NULL DEFAULT '',
  environment     TEXT NOT NULL,
  first_commit_at INTEGER NOT NULL,
  deploy_start_at INTEGER NOT NULL,
  deployed_at     INTEGER,
  status          TEXT NOT NULL CHECK (status IN ('started', 'deployed')),
  created_at      INTEGER NOT NULL
) WITHOUT ROWID;
-- Only deployed deployments are ever queried by time, so starting one writes no index entry.
CREATE INDEX deployments_by_deployed_at ON deployments (deployed_at, id)
  WHERE deployed_at IS NOT NULL;
CREATE INDEX deployments_by_project ON deployments (project_id, deployed_at, id)
  WHERE deployed_at IS NOT NULL;

CREATE TABLE incidents (
  id            TEXT PRIMARY KEY,
  project_id    TEXT NOT NULL,
  team_id       TEXT NOT NULL DEFAULT '',
  environment   TEXT NOT NULL,
  deployment_id TEXT REFERENCES deployments (id),
  started_at    INTEGER NOT NULL,
  restored_at   INTEGER,
  finished_at   INTEGER,
  created_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX incidents_by_deployment ON incidents (deployment_id);
CREATE INDEX incidents_by_project ON incidents (project_id, started_at);

-- One row per series; the writer updates rows by id (its cache knows them).
CREATE TABLE metric_series (
  id          INTEGER PRIMARY KEY,
  metric      TEXT NOT NULL,
  project_id  TEXT NOT NULL,
  team_id     TEXT NOT NULL,
  environment TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('counter', 'histogram')),
  start_ms    INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  count       INTEGER NOT NULL,
  sum         REAL NOT NULL,
  min         REAL NOT NULL,
  max         REAL NOT NULL,
  buckets     TEXT NOT NULL,
  UNIQUE (metric, project_id, team_id, environment)
);
)sql"},
    {2, "delta export marks", R"sql(
-- What the collector acknowledged of each series (OTLP delta temporality only).
CREATE TABLE export_marks (
  metric          TEXT NOT NULL,
  project_id      TEXT NOT NULL,
  team_id         TEXT NOT NULL,
  environment     TEXT NOT NULL,
  series_start_ms INTEGER NOT NULL,
  acked_ms        INTEGER NOT NULL,
  count           INTEGER NOT NULL,
  sum             REAL NOT NULL,
  buckets         TEXT NOT NULL,
  PRIMARY KEY (metric, project_id, team_id, environment)
) WITHOUT ROWID;
)sql"},
    {3, "deployment kind, commit and failure facts, incident time indexes", R"sql(
ALTER TABLE deployments ADD COLUMN kind TEXT NOT NULL DEFAULT 'planned'
  CHECK (kind IN ('planned', 'hotfix', 'rollback'));
ALTER TABLE deployments ADD COLUMN commit_sha TEXT NOT NULL DEFAULT '';
-- A deployment's failure facts, kept current by the incident commands so that DORA ranges read
-- deployments alone: at least one linked incident, and the earliest restore among them.
ALTER TABLE deployments ADD COLUMN failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN recovered_at INTEGER;
UPDATE deployments SET
  failed = EXISTS (SELECT 1 FROM incidents i WHERE i.deployment_id = deployments.id),
  recovered_at = (SELECT min(i.restored_at) FROM incidents i WHERE i.deployment_id = deployments.id);
-- DORA ranges read deployed deployments by deployed_at: this index holds every column the figures
-- need, so a range is one index scan with no lookup into the table per row (measured with
-- bench/dora_query.sh: the per-row lookups were most of the time).
CREATE INDEX deployments_dora ON deployments (deployed_at, project_id, team_id, environment,
  first_commit_at, deploy_start_at, kind, failed, recovered_at) WHERE deployed_at IS NOT NULL;
-- It also serves listings by (deployed_at, id) (ties on deployed_at are sorted on the fly), so the
-- narrower index goes: marking a deployment deployed writes as many index entries as before.
DROP INDEX deployments_by_deployed_at;
-- DORA ranges select incidents by when they were restored (time to restore) or started
-- (time to detect).
CREATE INDEX incidents_by_restored_at ON incidents (restored_at) WHERE restored_at IS NOT NULL;
CREATE INDEX incidents_by_started_at ON incidents (started_at);
)sql"},
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace emm::storage::sqlite
