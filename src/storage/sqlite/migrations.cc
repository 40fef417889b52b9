#include "storage/sqlite/migrations.h"

#include <sqlite3.h>

#include "storage/sqlite/sqlite_connection.h"
#include "storage/sqlite/statements.h"

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
    {4, "DORA reads by (team, project, environment) group", R"sql(
-- A DORA range is read one (team, project, environment) group at a time: every filter (a team,
-- a project, an environment) is a set of groups, so a team's year reads that team's entries only
-- (bench/dora_query.sh: 75 ms of index scan for one team of twenty before). Rows carry their
-- group as an integer, so index entries are small and compare fast; each index holds every
-- column its figure needs, so no row is looked up in a table.
CREATE TABLE dora_groups (
  id          INTEGER PRIMARY KEY,
  team_id     TEXT NOT NULL,
  project_id  TEXT NOT NULL,
  environment TEXT NOT NULL,
  UNIQUE (team_id, project_id, environment)
);
INSERT OR IGNORE INTO dora_groups (team_id, project_id, environment)
  SELECT DISTINCT team_id, project_id, environment FROM deployments;
INSERT OR IGNORE INTO dora_groups (team_id, project_id, environment)
  SELECT DISTINCT team_id, project_id, environment FROM incidents;
ALTER TABLE deployments ADD COLUMN group_id INTEGER;
ALTER TABLE incidents ADD COLUMN group_id INTEGER;
UPDATE deployments SET group_id = (SELECT g.id FROM dora_groups g WHERE
  g.team_id = deployments.team_id AND g.project_id = deployments.project_id AND
  g.environment = deployments.environment);
UPDATE incidents SET group_id = (SELECT g.id FROM dora_groups g WHERE
  g.team_id = incidents.team_id AND g.project_id = incidents.project_id AND
  g.environment = incidents.environment);
-- The store sets group_id when it inserts (no second write); these keep it right when a team
-- changes, and for rows written without one (by hand, say). Groups are only ever added.
CREATE TRIGGER deployments_group_on_insert AFTER INSERT ON deployments
WHEN NEW.group_id IS NULL BEGIN
  INSERT OR IGNORE INTO dora_groups (team_id, project_id, environment)
    VALUES (NEW.team_id, NEW.project_id, NEW.environment);
  UPDATE deployments SET group_id = (SELECT id FROM dora_groups WHERE team_id = NEW.team_id AND
    project_id = NEW.project_id AND environment = NEW.environment) WHERE id = NEW.id;
END;
CREATE TRIGGER deployments_group_on_team_change AFTER UPDATE OF team_id ON deployments
WHEN OLD.team_id IS NOT NEW.team_id BEGIN
  INSERT OR IGNORE INTO dora_groups (team_id, project_id, environment)
    VALUES (NEW.team_id, NEW.project_id, NEW.environment);
  UPDATE deployments SET group_id = (SELECT id FROM dora_groups WHERE team_id = NEW.team_id AND
    project_id = NEW.project_id AND environment = NEW.environment) WHERE id = NEW.id;
END;
CREATE TRIGGER incidents_group_on_insert AFTER INSERT ON incidents
WHEN NEW.group_id IS NULL BEGIN
  INSERT OR IGNORE INTO dora_groups (team_id, project_id, environment)
    VALUES (NEW.team_id, NEW.project_id, NEW.environment);
  UPDATE incidents SET group_id = (SELECT id FROM dora_groups WHERE team_id = NEW.team_id AND
    project_id = NEW.project_id AND environment = NEW.environment) WHERE id = NEW.id;
END;
CREATE TRIGGER incidents_group_on_team_change AFTER UPDATE OF team_id ON incidents
WHEN OLD.team_id IS NOT NEW.team_id BEGIN
  INSERT OR IGNORE INTO dora_groups (team_id, project_id, environment)
    VALUES (NEW.team_id, NEW.project_id, NEW.environment);
  UPDATE incidents SET group_id = (SELECT id FROM dora_groups WHERE team_id = NEW.team_id AND
    project_id = NEW.project_id AND environment = NEW.environment) WHERE id = NEW.id;
END;

-- Time to detect needs the linked deployment's deployed_at: kept on the incident (set when the
-- incident is stored, and by this trigger when the deployment is deployed later), so detection
-- reads one index instead of one random lookup per incident.
ALTER TABLE incidents ADD COLUMN deployment_deployed_at INTEGER;
UPDATE incidents SET deployment_deployed_at =
  (SELECT d.deployed_at FROM deployments d WHERE d.id = incidents.deployment_id)
  WHERE deployment_id IS NOT NULL;
CREATE TRIGGER incidents_follow_deployed_at AFTER UPDATE OF deployed_at ON deployments
WHEN OLD.deployed_at IS NOT NEW.deployed_at BEGIN
  UPDATE incidents SET deployment_deployed_at = NEW.deployed_at WHERE deployment_id = NEW.id;
END;

-- What a range needs of each deployment besides group and time, packed in one value by the
-- store's emm_dora_fact() (first_commit_at, deploy_start_at, failed, recovered_at, kind): one
-- column to fetch per row. Written by em-metrics on every insert and update of a deployment.
ALTER TABLE deployments ADD COLUMN dora_fact BLOB;
UPDATE deployments SET
  dora_fact = emm_dora_fact(first_commit_at, deploy_start_at, failed, recovered_at, kind);
DROP INDEX deployments_dora;
CREATE INDEX deployments_dora_by_group ON deployments (group_id, deployed_at, dora_fact)
  WHERE deployed_at IS NOT NULL;
-- Listings and explanations still walk deployments in time order.
CREATE INDEX deployments_by_deployed_at ON deployments (deployed_at, id)
  WHERE deployed_at IS NOT NULL;
CREATE INDEX incidents_dora_restored ON incidents (group_id, restored_at, started_at)
  WHERE restored_at IS NOT NULL;
CREATE INDEX incidents_dora_started ON incidents (group_id, started_at, deployment_deployed_at)
  WHERE deployment_deployed_at IS NOT NULL;
)sql"},
    {5, "one index per deployed deployment less", R"sql(
-- Marking a deployment deployed wrote an entry in each of three indexes, two of them at a random
-- page (one append point per project, one per group): the write path's biggest cost after the
-- row itself (bench/run_load.sh: 21 pages written per batch of eight requests). Listings by
-- project now read that project's groups from the group index instead, each already in
-- (deployed_at, id) order, merged without a sort; so the group index is ordered by id within a
-- time, and the project index goes.
DROP INDEX deployments_by_project;
DROP INDEX deployments_dora_by_group;
CREATE INDEX deployments_dora_by_group ON deployments (group_id, deployed_at, id, dora_fact)
  WHERE deployed_at IS NOT NULL;
-- The groups of a project (and environment): listings and link=previous_deployment start there.
CREATE INDEX dora_groups_by_project ON dora_groups (project_id, environment);
)sql"},
    {6, "pull requests and their reviews", R"sql(
-- Times are UTC milliseconds. Every review is a row (the original kept only the first), so each
-- pull request metric can be rebuilt from the stored events.
CREATE TABLE pull_requests (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL DEFAULT '',
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  merged_at INTEGER,
  first_review_at INTEGER,
  first_approved_at INTEGER,
  reviews INTEGER NOT NULL DEFAULT 0,
  comments INTEGER NOT NULL DEFAULT 0,
  additions INTEGER,
  deletions INTEGER,
  created_at INTEGER NOT NULL
);
CREATE TABLE pull_request_reviews (
  pull_request_id TEXT NOT NULL REFERENCES pull_requests (id),
  reviewed_at INTEGER NOT NULL,
  approved INTEGER NOT NULL,
  comments INTEGER NOT NULL
);
CREATE INDEX pull_request_reviews_by_pull_request ON pull_request_reviews (pull_request_id);
)sql"},
    {7, "webhook deliveries; pull request authors and reviewers", R"sql(
-- One row per webhook delivery that ran a command, written in the command's own transaction:
-- a replayed delivery id finds its row and runs nothing (GitHub, Linear and others redeliver).
CREATE TABLE webhook_deliveries (
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (source, id)
) WITHOUT ROWID;
-- Logins (GitHub) or names given by REST clients; '' when unknown. Team health counts engineers
-- from them.
ALTER TABLE pull_requests ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE pull_request_reviews ADD COLUMN reviewer TEXT NOT NULL DEFAULT '';
)sql"},
    {8, "tickets, their status and estimate history, ticket_type in series keys", R"sql(
-- A ticket as its tracker last reported it (Linear's issues), times in UTC milliseconds, the
-- status as the original's names. Its history is kept apart so that time spent, re-openings and
-- every ticket metric can be recomputed.
CREATE TABLE tickets (
  id                 TEXT PRIMARY KEY,
  external_id        TEXT NOT NULL DEFAULT '',
  team_id            TEXT NOT NULL DEFAULT '',
  project_id         TEXT NOT NULL DEFAULT '',
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER,
  started_at         INTEGER,
  finished_at        INTEGER,
  parent_ticket_id   TEXT,
  actor_hash         TEXT NOT NULL DEFAULT '',
  ticket_type        TEXT NOT NULL DEFAULT 'unknown',
  status             TEXT NOT NULL
    CHECK (status IN ('BACKLOG', 'TODO', 'DOING', 'DONE', 'CANCELED', 'UNKNOWN')),
  current_estimation REAL,
  initial_estimation REAL,
  final_estimation   REAL,
  first_done_at      INTEGER,
  recorded_at        INTEGER NOT NULL
) WITHOUT ROWID;
-- ignore_parent_issues asks, for each update, whether some ticket names it as parent.
CREATE INDEX tickets_by_parent ON tickets (parent_ticket_id) WHERE parent_ticket_id IS NOT NULL;
-- The ticketing stats read the done tickets finished in a range.
CREATE INDEX tickets_done_by_finished_at ON tickets (finished_at) WHERE status = 'DONE';
-- GET /api/v1/tickets lists by creation.
CREATE INDEX tickets_by_created_at ON tickets (created_at, id);
CREATE TABLE ticket_status_changes (
  ticket_id   TEXT NOT NULL REFERENCES tickets (id),
  from_status TEXT,
  to_status   TEXT NOT NULL,
  changed_at  INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL
);
CREATE INDEX ticket_status_changes_by_ticket ON ticket_status_changes (ticket_id);
CREATE TABLE ticket_estimation_changes (
  ticket_id       TEXT NOT NULL REFERENCES tickets (id),
  from_estimation REAL NOT NULL,
  to_estimation   REAL NOT NULL,
  changed_at      INTEGER NOT NULL,
  recorded_at     INTEGER NOT NULL
);
CREATE INDEX ticket_estimation_changes_by_ticket ON ticket_estimation_changes (ticket_id);

-- Ticket series carry their ticket_type (the original's attribute): a fifth part of the series
-- key. SQLite cannot change a UNIQUE constraint in place, so both tables are copied (their row
-- ids kept).
CREATE TABLE metric_series_v8 (
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
  ticket_type TEXT NOT NULL DEFAULT '',
  UNIQUE (metric, project_id, team_id, environment, ticket_type)
);
INSERT INTO metric_series_v8 (id, metric, project_id, team_id, environment, kind, start_ms,
  updated_ms, count, sum, min, max, buckets)
  SELECT id, metric, project_id, team_id, environment, kind, start_ms, updated_ms, count, sum,
    min, max, buckets FROM metric_series;
DROP TABLE metric_series;
ALTER TABLE metric_series_v8 RENAME TO metric_series;
CREATE TABLE export_marks_v8 (
  metric          TEXT NOT NULL,
  project_id      TEXT NOT NULL,
  team_id         TEXT NOT NULL,
  environment     TEXT NOT NULL,
  series_start_ms INTEGER NOT NULL,
  acked_ms        INTEGER NOT NULL,
  count           INTEGER NOT NULL,
  sum             REAL NOT NULL,
  buckets         TEXT NOT NULL,
  ticket_type     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (metric, project_id, team_id, environment, ticket_type)
) WITHOUT ROWID;
INSERT INTO export_marks_v8 (metric, project_id, team_id, environment, series_start_ms, acked_ms,
  count, sum, buckets)
  SELECT metric, project_id, team_id, environment, series_start_ms, acked_ms, count, sum, buckets
  FROM export_marks;
DROP TABLE export_marks;
ALTER TABLE export_marks_v8 RENAME TO export_marks;
)sql"},
    {9, "team-health reads by team and time", R"sql(
-- Team health reads one team's pull requests by the time of each event that puts one in a range
-- (opened, merged, closed, reviewed). Most of a range's pull requests were opened in it: the
-- opening index holds everything the figures need of one, so they are one index range with no
-- table row read (bench/team_health_query.sh: a row lookup per pull request was half the time).
-- The others (opened before the range) are found by rowid through the merge and close indexes.
CREATE INDEX pull_requests_by_team_opened ON pull_requests
  (team_id, opened_at, merged_at, closed_at, additions, deletions, author, id);
CREATE INDEX pull_requests_by_team_merged ON pull_requests (team_id, merged_at)
  WHERE merged_at IS NOT NULL;
CREATE INDEX pull_requests_by_team_closed ON pull_requests (team_id, closed_at)
  WHERE closed_at IS NOT NULL;
-- A review carries its pull request's team and opened_at (neither ever changes), so the reviews
-- of a team's range (by reviewed_at) and every review of the pull requests opened in it (by
-- pull_request_opened_at, whenever reviewed) are each one index range, instead of one seek per
-- pull request. The store sets both when it inserts; the trigger covers rows written without
-- them (by hand, say).
ALTER TABLE pull_request_reviews ADD COLUMN team_id TEXT;
ALTER TABLE pull_request_reviews ADD COLUMN pull_request_opened_at INTEGER;
UPDATE pull_request_reviews SET (team_id, pull_request_opened_at) =
  (SELECT p.team_id, p.opened_at FROM pull_requests p
   WHERE p.id = pull_request_reviews.pull_request_id);
CREATE TRIGGER pull_request_reviews_team_on_insert AFTER INSERT ON pull_request_reviews
WHEN NEW.team_id IS NULL OR NEW.pull_request_opened_at IS NULL BEGIN
  UPDATE pull_request_reviews SET (team_id, pull_request_opened_at) =
    (SELECT team_id, opened_at FROM pull_requests WHERE id = NEW.pull_request_id)
    WHERE rowid = NEW.rowid;
END;
CREATE INDEX pull_request_reviews_by_team ON pull_request_reviews
  (team_id, reviewed_at, pull_request_id);
CREATE INDEX pull_request_reviews_by_team_opened ON pull_request_reviews
  (team_id, pull_request_opened_at, pull_request_id, reviewed_at, approved, reviewer);
)sql"},
    {10, "deployment aliases", R"sql(
-- Other names of deployments (a CDEvents chain, an artifact in an environment) by which an
-- incident that cannot name its deployment finds it: each names the latest deployment (by
-- deployed_at, else start) that carries it.
CREATE TABLE deployment_aliases (
  alias TEXT PRIMARY KEY,
  deployment_id TEXT NOT NULL REFERENCES deployments (id),
  at INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    {11, "team-health ticket reads by team and time", R"sql(
-- Team health reads one team's tickets by the time of each event that puts one in a range: its
-- first completion (done tickets), its creation, a cancellation or a re-opening.
CREATE INDEX tickets_done_by_team_first_done ON tickets (team_id, first_done_at)
  WHERE status = 'DONE';
CREATE INDEX tickets_by_team_created ON tickets (team_id, created_at);
-- A status change carries its ticket's team, so a team's cancellations and re-openings of a range
-- are one index range. The store sets it when it inserts; the first trigger covers rows written
-- without it, the second follows a ticket that moves to another team (the figures go by the
-- ticket's current team).
ALTER TABLE ticket_status_changes ADD COLUMN team_id TEXT;
UPDATE ticket_status_changes SET team_id =
  (SELECT t.team_id FROM tickets t WHERE t.id = ticket_status_changes.ticket_id);
CREATE TRIGGER ticket_status_changes_team_on_insert AFTER INSERT ON ticket_status_changes
WHEN NEW.team_id IS NULL BEGIN
  UPDATE ticket_status_changes SET team_id =
    (SELECT team_id FROM tickets WHERE id = NEW.ticket_id) WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER tickets_team_moves AFTER UPDATE OF team_id ON tickets
WHEN OLD.team_id IS NOT NEW.team_id BEGIN
  UPDATE ticket_status_changes SET team_id = NEW.team_id WHERE ticket_id = NEW.id;
END;
CREATE INDEX ticket_status_changes_by_team ON ticket_status_changes (team_id, changed_at)
  WHERE to_status = 'CANCELED' OR from_status = 'DONE';
)sql"},
};

// The version table is schema_migrations; the Node.js original's is db_migrations (a file that
// has both was ours first).
class SqliteMigrationDialect final : public MigrationDialect {
 public:
  explicit SqliteMigrationDialect(SqliteConnection& w) : w_(w) {}

  Result<bool> CreatedByNodeJs() override {
    int64_t node_tables = 0;
    EMM_RETURN_IF_ERROR(w_.Query(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'db_migrations' AND "
        "NOT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')",
        nullptr, [&](sqlite3_stmt* s) {
          node_tables = sqlite3_column_int64(s, 0);
          return Status::Ok();
        }));
    return node_tables > 0;
  }
  std::string NewDatabaseHint() const override { return "point SQLITE_DB at a new file"; }
  Status EnsureVersionTable() override {
    return w_.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  }
  Result<int> AppliedVersion() override {
    int current = 0;
    EMM_RETURN_IF_ERROR(w_.Query("SELECT coalesce(max(version), 0) FROM schema_migrations", nullptr,
                                 [&](sqlite3_stmt* s) {
                                   current = sqlite3_column_int(s, 0);
                                   return Status::Ok();
                                 }));
    return current;
  }
  // IMMEDIATE takes the write lock at once: a second process opening the file waits here.
  Status Begin() override { return w_.Exec("BEGIN IMMEDIATE"); }
  Status ApplyStep(const MigrationStep& step) override { return w_.Exec(step.sql); }
  Status RecordStep(const MigrationStep& step, TimeMs applied_at) override {
    return w_.Run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                  [&](sqlite3_stmt* st) {
                    sqlite3_bind_int(st, 1, step.version);
                    BindText(st, 2, step.name);
                    sqlite3_bind_int64(st, 3, applied_at);
                  });
  }
  Status Commit() override { return w_.Exec("COMMIT"); }
  void Rollback() override { (void)w_.Exec("ROLLBACK"); }

 private:
  SqliteConnection& w_;
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

Result<MigrationOutcome> Migrate(SqliteConnection& writer, const std::string& path) {
  SqliteMigrationDialect dialect(writer);
  return RunMigrations(dialect, Migrations(), path);
}

}  // namespace emm::storage::sqlite
