#include "storage/postgres/pg_event_store.h"

#include <algorithm>
#include <exception>

#include "storage/postgres/pg_dora_queries.h"
#include "storage/postgres/pg_event_queries.h"
#include "storage/postgres/pg_migrations.h"
#include "storage/postgres/pg_team_health_queries.h"
#include "storage/postgres/pg_ticket_queries.h"
#include "storage/postgres/pg_write_transaction.h"
#include "storage/read_snapshot.h"

namespace emm::storage::postgres {

PgEventStore::PgEventStore(const PgStoreOptions& options)
    : pool_(PgPoolOptions{options.url, options.pool_size, options.acquire_timeout}) {}

Result<std::unique_ptr<PgEventStore>> PgEventStore::Open(const PgStoreOptions& options) {
  auto store = std::unique_ptr<PgEventStore>(new PgEventStore(options));
  {
    auto conn = store->pool_.Acquire();
    if (!conn.ok()) return conn.status();
    auto migrated = MigratePostgres(**conn, "the PostgreSQL database");
    if (!migrated.ok()) return migrated.status();
    store->applied_ = std::move(migrated->applied);
    store->schema_version_ = migrated->schema_version;
  }
  return store;
}

template <typename Read>
auto PgEventStore::OnConnection(Read&& read) -> decltype(read(std::declval<PgConnection&>())) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  return read(**conn);
}

std::vector<Status> PgEventStore::RunBatch(std::span<const Work> work) {
  std::vector<Status> results(work.size());
  if (work.empty()) return results;  // no connection, no lock for nothing
  auto lease = pool_.Acquire();
  if (!lease.ok()) {
    for (auto& r : results) r = lease.status();
    return results;
  }
  for (size_t at = 0; at < work.size(); at += kMaxItemsPerTransaction) {
    const size_t n = std::min(kMaxItemsPerTransaction, work.size() - at);
    RunTransaction(**lease, work.subspan(at, n), std::span(results).subspan(at, n));
  }
  return results;
}

void PgEventStore::RunTransaction(PgConnection& conn, std::span<const Work> work,
                                  std::span<Status> results) {
  auto fail_all = [&](const Status& s) {
    for (auto& r : results) r = s;
  };
  // READ COMMITTED under the lock: each batch sees every batch committed before it, by any
  // replica, and the next waits for this one's COMMIT. BEGIN, the lock and the first item's
  // savepoint go in one round trip (a simple query may hold several statements). The batch's
  // statements look records up by key: their generic plans are as good as planning each run, so
  // the batch takes the default plan cache mode back from the connection's (pg_connection.h).
  static const std::string lock = "SELECT pg_advisory_xact_lock(" +
                                  std::to_string(kWriteLockKey) + "); SAVEPOINT item";
  static const std::string open = "BEGIN; " + lock;
  static const std::string open_generic = "BEGIN; SET LOCAL plan_cache_mode = auto; " + lock;
  if (Status s = conn.Exec(conn.custom_plans() ? open_generic : open); !s.ok()) {
    if (conn.InTransaction()) (void)conn.Rollback();
    return fail_all(s);
  }
  // In pipeline mode the statements whose results the commands do not read (the updates, the
  // series' flush, RELEASE, SAVEPOINT, COMMIT) go with the next that needs an answer.
  if (Status s = conn.EnterPipeline(); !s.ok()) {
    (void)conn.Rollback();
    return fail_all(s);
  }
  auto end_pipeline = [&] {
    (void)conn.ExitPipeline();
    if (conn.InTransaction()) (void)conn.Rollback();  // a commit not reached or not made
  };
  PgWriteTransaction tx(conn);
  tx.BeginBatch();
  for (size_t i = 0; i < work.size(); ++i) {
    tx.BeginItem();
    Status s;
    try {
      s = work[i](tx);
    } catch (const std::exception& e) {
      s = Status::Internal(std::string("unexpected error in a write: ") + e.what());
    }
    // One round trip ends an item: its queued writes run, then (when they succeed) its RELEASE
    // and the next item's SAVEPOINT; an error skips the rest, leaving the savepoint to roll back
    // to. The last item's savepoint is released by COMMIT.
    if (s.ok()) {
      if (i + 1 < work.size()) {
        s = conn.Send("emm_release", "RELEASE SAVEPOINT item", PgParams());
        if (s.ok()) s = conn.Send("emm_savepoint", "SAVEPOINT item", PgParams());
      }
      if (s.ok()) s = conn.Sync();
    } else {
      (void)conn.Sync();  // the failed item's queued writes: their errors are its own
    }
    if (!s.ok()) {
      // ROLLBACK TO keeps the savepoint: the next item runs under it as is.
      tx.RollbackItem();
      Status end = conn.Send("emm_rollback_to", "ROLLBACK TO SAVEPOINT item", PgParams());
      if (end.ok()) end = conn.Sync();
      if (!end.ok()) {
        // The transaction cannot go on (the connection is lost): the items before this one are
        // gone with it, so none of the batch may be acknowledged.
        end_pipeline();
        return fail_all(
            end.code() == StatusCode::kUnavailable
                ? end
                : Status::Unavailable("the write transaction failed: " + end.ToString()));
      }
    }
    results[i] = std::move(s);
  }
  // The series are written last, with the COMMIT, in one round trip; a failure there stores
  // nothing of the batch.
  Status commit = tx.FlushSeries();
  if (commit.ok()) commit = conn.PipelinedCommit();
  end_pipeline();
  if (!commit.ok()) {
    // The outcome is unknown (the connection may have died after the server committed): the
    // retry finds out (409 or an idempotent 200).
    Status unknown =
        commit.code() == StatusCode::kUnavailable
            ? commit
            : Status::Unavailable("the write transaction's commit failed: " + commit.ToString());
    for (auto& r : results) {
      if (r.ok()) r = unknown;
    }
  }
}

Result<std::optional<domain::Deployment>> PgEventStore::GetDeployment(std::string_view id) {
  return OnConnection([&](PgConnection& c) { return PgWriteTransaction(c).FindDeployment(id); });
}

Result<std::optional<domain::Incident>> PgEventStore::GetIncident(std::string_view id) {
  return OnConnection([&](PgConnection& c) { return PgWriteTransaction(c).FindIncident(id); });
}

Result<std::optional<domain::PullRequest>> PgEventStore::GetPullRequest(std::string_view id) {
  return OnConnection([&](PgConnection& c) { return PgWriteTransaction(c).FindPullRequest(id); });
}

Result<std::optional<domain::Ticket>> PgEventStore::GetTicket(std::string_view id) {
  return OnConnection([&](PgConnection& c) { return PgWriteTransaction(c).FindTicket(id); });
}

Result<TicketHistory> PgEventStore::GetTicketHistory(std::string_view id) {
  return OnConnection([&](PgConnection& c) {
    PgSnapshot snapshot(c);
    return WithSnapshot(snapshot, [&] { return postgres::GetTicketHistory(c, id); });
  });
}

Result<std::vector<domain::SeriesState>> PgEventStore::ListSeries() {
  return OnConnection([](PgConnection& c) { return postgres::ListSeries(c); });
}

Result<std::vector<domain::ExportMark>> PgEventStore::ListExportMarks() {
  return OnConnection([](PgConnection& c) { return postgres::ListExportMarks(c); });
}

// The listings and the DORA reads: each multi-query read in one snapshot.

Result<std::vector<domain::Deployment>> PgEventStore::ListDeployments(const DeploymentQuery& q) {
  return OnConnection([&](PgConnection& c) {
    PgSnapshot snapshot(c);
    return WithSnapshot(snapshot, [&] { return postgres::ListDeployments(c, q); });
  });
}

Result<std::vector<domain::Incident>> PgEventStore::ListIncidents(const IncidentQuery& q) {
  return OnConnection([&](PgConnection& c) { return postgres::ListIncidents(c, q); });
}

Result<domain::DoraEvents> PgEventStore::LoadDoraEvents(const DoraQuery& q) {
  return OnConnection([&](PgConnection& c) {
    PgSnapshot snapshot(c);
    return WithSnapshot(snapshot, [&] { return postgres::LoadDoraEvents(c, q); });
  });
}

Result<domain::DoraFacts> PgEventStore::LoadDoraFacts(const DoraQuery& q) {
  return OnConnection([&](PgConnection& c) {
    PgSnapshot snapshot(c);
    return WithSnapshot(snapshot, [&] { return postgres::LoadDoraFacts(c, q); });
  });
}

Result<std::pair<std::vector<domain::Deployment>, std::vector<domain::Incident>>>
PgEventStore::LoadTimeline(const DoraQuery& q) {
  return OnConnection([&](PgConnection& c) {
    PgSnapshot snapshot(c);
    return WithSnapshot(snapshot, [&] { return postgres::LoadTimeline(c, q); });
  });
}

Result<std::vector<domain::Deployment>> PgEventStore::ListUndeployed(const DoraQuery& q,
                                                                     int64_t offset,
                                                                     int64_t limit) {
  return OnConnection(
      [&](PgConnection& c) { return postgres::ListUndeployed(c, q, offset, limit); });
}

// The pull request, ticket and team-health reads (pg_team_health_queries.h, pg_ticket_queries.h).

Result<std::vector<domain::PullRequest>> PgEventStore::ListPullRequests(const PullRequestQuery& q) {
  return OnConnection([&](PgConnection& c) { return postgres::ListPullRequests(c, q); });
}

Result<std::vector<domain::Ticket>> PgEventStore::ListTickets(const TicketQuery& q) {
  return OnConnection([&](PgConnection& c) { return postgres::ListTickets(c, q); });
}

Result<std::vector<domain::Ticket>> PgEventStore::LoadTicketsForStats(const TicketStatsQuery& q) {
  return OnConnection([&](PgConnection& c) { return postgres::LoadTicketsForStats(c, q); });
}

Result<domain::TeamHealthFacts> PgEventStore::LoadTeamHealthFacts(const TeamHealthQuery& q) {
  return OnConnection([&](PgConnection& c) {
    PgSnapshot snapshot(c);
    return WithSnapshot(snapshot, [&] { return postgres::LoadTeamHealthFacts(c, q); });
  });
}

}  // namespace emm::storage::postgres
