// Tickets in the SQLite store (ticket_queries.cc, migration 8): a database of the previous schema
// upgraded with its series kept (the rest of tickets is the contract's: contract/tickets_test.cc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/metrics.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "storage/sqlite_file.h"
#include "storage/temp_dir.h"

namespace emm::storage {
namespace {

using domain::Transaction;

// A database of schema 7 (series without ticket_type) keeps its series and export marks.
TEST(TicketMigrationTest, SeriesAndMarksOfThePreviousSchemaAreKept) {
  testing::TempDir dir;
  const std::string path = dir.File("em.db");
  const std::string rows =
      "INSERT INTO metric_series (id, metric, project_id, team_id, environment, kind, start_ms, "
      "updated_ms, count, sum, min, max, buckets) VALUES (42, 'incident_count', 'p', 't', 'e', "
      "'counter', 1, 2, 7, 0, 0, 0, '');"
      "INSERT INTO export_marks VALUES ('incident_count', 'p', 't', 'e', 1, 2, 5, 0, '');";
  ASSERT_EQ(testing::WriteDatabaseBefore(path, 8, rows), "");

  SqliteOptions o;
  o.path = path;
  o.full_sync = false;
  auto store = SqliteEventStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  // Migration 8 first, then any that came after it.
  ASSERT_FALSE((*store)->applied_migrations().empty());
  EXPECT_EQ((*store)->applied_migrations().front(), 8);
  auto series = (*store)->ListSeries();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ(series->front().count, 7u);
  EXPECT_EQ(series->front().key.ticket_type, "");
  auto marks = (*store)->ListExportMarks();
  ASSERT_TRUE(marks.ok());
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_EQ(marks->front().count, 5u);
  // The writer finds the kept row (by its full key) and adds to it.
  EventStore::Work w = [](Transaction& tx) {
    return domain::Record(tx, {{&domain::kIncidentCount, "p", "t", "e", 1}}, 3);
  };
  ASSERT_TRUE((*store)->RunBatch(std::span(&w, 1)).front().ok());
  EXPECT_EQ((*store)->ListSeries()->front().count, 8u);
}

}  // namespace
}  // namespace emm::storage
