// The contract's metric state: series and export marks round trip and are replaced per key,
// ClearSeries, and a failed item's series changes undone within its batch.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "storage/contract/store_contract.h"

namespace emm::storage {
namespace {

using domain::SeriesKey;
using domain::SeriesState;
using domain::Transaction;

// --- metric series ---

TEST_P(StoreContractTest, SeriesRoundTrip) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  SeriesState hist = MakeHistogram();
  SeriesState counter =
      SeriesState::Empty(domain::kIncidentCount, {"incident_count", "p1", "", "production"}, kT0);
  counter.Fold(1, kT0 + 5);
  counter.Fold(1, kT0 + 6);

  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                EMM_RETURN_IF_ERROR(tx.PutSeries(hist));
                return tx.PutSeries(counter);
              }).ok());

  std::optional<SeriesState> found_hist, found_missing;
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) {
                auto h = tx.FindSeries(hist.key);
                if (!h.ok()) return h.status();
                found_hist = *h;
                auto m = tx.FindSeries({"lead_time_for_changes", "p1", "", "production"});
                if (!m.ok()) return m.status();
                found_missing = *m;
                return Status::Ok();
              }).ok());
  ASSERT_TRUE(found_hist.has_value());
  ExpectSameSeries(*found_hist, hist);
  EXPECT_EQ(found_hist->buckets.size(), domain::DurationBucketBounds().size() + 1);
  EXPECT_EQ(found_hist->buckets.back(), 1u);
  EXPECT_FALSE(found_missing.has_value());

  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  // Ordered by metric name.
  ExpectSameSeries((*all)[0], counter);
  ExpectSameSeries((*all)[1], hist);
  EXPECT_TRUE((*all)[0].buckets.empty());
}

TEST_P(StoreContractTest, PutSeriesReplacesAndClearSeriesEmpties) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  SeriesState hist = MakeHistogram();
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
  hist.Fold(10, kT0 + 10);
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].count, 4u);
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.ClearSeries(); }).ok());
  all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(StoreContractTest, SeriesChangesOfAFailedItemAreUndoneWithinTheBatch) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const SeriesKey a{"incident_count", "p", "", "e"};
  const SeriesKey b{"incident_count", "q", "", "e"};
  // Adds one to series `key` (creating it), as domain::Record does.
  auto bump = [](Transaction& tx, const SeriesKey& key) -> Status {
    auto found = tx.FindSeries(key);
    if (!found.ok()) return found.status();
    SeriesState st =
        found->has_value() ? **found : SeriesState::Empty(domain::kIncidentCount, key, 1);
    st.Fold(1, 2);
    return tx.PutSeries(st);
  };
  std::optional<uint64_t> seen_by_third;
  std::vector<EventStore::Work> batch;
  batch.push_back([&](Transaction& tx) { return bump(tx, a); });
  batch.push_back([&](Transaction& tx) {
    EMM_RETURN_IF_ERROR(bump(tx, a));
    EMM_RETURN_IF_ERROR(tx.ClearSeries());
    EMM_RETURN_IF_ERROR(bump(tx, b));
    return Status::Internal("fail after clearing");
  });
  batch.push_back([&](Transaction& tx) -> Status {
    auto found = tx.FindSeries(a);
    if (!found.ok()) return found.status();
    if (found->has_value()) seen_by_third = (*found)->count;
    return bump(tx, a);
  });
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_EQ(results[1].code(), StatusCode::kInternal);
  EXPECT_TRUE(results[2].ok()) << results[2].ToString();
  EXPECT_EQ(seen_by_third, 1u);  // the failed item's bump and clear are invisible

  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, a);
  EXPECT_EQ((*all)[0].count, 2u);

  // A later batch builds on the committed state.
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return bump(tx, a); }).ok());
  all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].count, 3u);
}

TEST_P(StoreContractTest, ClearSeriesOfACommittedItemDeletesStoredRows) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  SeriesState hist = MakeHistogram();
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutSeries(hist); }).ok());
  SeriesState other =
      SeriesState::Empty(domain::kIncidentCount, {"incident_count", "p", "", "e"}, 1);
  std::vector<EventStore::Work> batch;
  batch.push_back([&](Transaction& tx) {
    EMM_RETURN_IF_ERROR(tx.ClearSeries());
    return tx.PutSeries(other);
  });
  std::vector<Status> results = store->RunBatch(batch);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].ok()) << results[0].ToString();
  auto all = store->ListSeries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, other.key);
}

TEST_P(StoreContractTest, ExportMarksAreReplacedPerSeries) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  domain::ExportMark m;
  m.key = {"lead_time_for_changes", "p", "", "prod"};
  m.series_start_ms = 10;
  m.acked_ms = 20;
  m.count = 3;
  m.sum = 4.5;
  m.buckets = {1, 2, 0};
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutExportMark(m); }).ok());
  m.acked_ms = 30;
  m.count = 4;
  m.buckets = {1, 2, 1};
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutExportMark(m); }).ok());
  domain::ExportMark other = m;
  other.key.project_id = "q";
  ASSERT_TRUE(Run(*store, [&](Transaction& tx) { return tx.PutExportMark(other); }).ok());
  auto marks = store->ListExportMarks();
  ASSERT_TRUE(marks.ok());
  ASSERT_EQ(marks->size(), 2u);
  const domain::ExportMark& got = marks->front().key.project_id == "p" ? (*marks)[0] : (*marks)[1];
  EXPECT_EQ(got.key, m.key);
  EXPECT_EQ(got.series_start_ms, 10);
  EXPECT_EQ(got.acked_ms, 30);
  EXPECT_EQ(got.count, 4u);
  EXPECT_DOUBLE_EQ(got.sum, 4.5);
  EXPECT_EQ(got.buckets, (std::vector<uint64_t>{1, 2, 1}));
}

}  // namespace
}  // namespace emm::storage
