// The exporter's bookkeeping against a real SQLite store (through api::StoredMetricState, as the
// server wires it) or a fake MetricStateSource, and a scripted transport. The real network path
// (libcurl to a real OTLP receiver) is covered by tests/e2e/otlp_export_test.cc.
#include "export/otlp_exporter.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <deque>
#include <mutex>

#include "../storage/temp_dir.h"
#include "api/stored_metric_state.h"
#include "domain/commands.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "storage/sqlite/sqlite_event_store.h"
#include "testing/gunzip.h"

namespace emm::exporting {
namespace {

namespace pb = opentelemetry::proto;

class ScriptedTransport final : public Transport {
 public:
  PostResult Post(std::string_view body, bool gzipped) override {
    std::lock_guard<std::mutex> lock(mu);
    bodies.emplace_back(body);
    gzipped_flags.push_back(gzipped);
    if (script.empty()) return PostResult{200, "", "", ""};
    PostResult r = script.front();
    if (script.size() > 1 || !repeat_last) script.pop_front();
    return r;
  }
  std::mutex mu;
  std::deque<PostResult> script;
  bool repeat_last = false;
  std::vector<std::string> bodies;
  std::vector<bool> gzipped_flags;
};

class SteppingClock final : public Clock {
 public:
  TimeMs NowMs() const override { return SystemClock::Instance().NowMs() + offset; }
  TimeMs offset = 0;
};

// Sums of every point in a body, by metric name and project.
std::map<std::string, uint64_t> Totals(const std::string& body, uint64_t* start_ns = nullptr) {
  pb::collector::metrics::v1::ExportMetricsServiceRequest req;
  EXPECT_TRUE(req.ParseFromString(body));
  std::map<std::string, uint64_t> out;
  for (const auto& rm : req.resource_metrics()) {
    for (const auto& sm : rm.scope_metrics()) {
      for (const auto& m : sm.metrics()) {
        for (const auto& p : m.sum().data_points()) {
          out[m.name() + "/" + p.attributes(0).value().string_value()] += p.as_int();
          if (start_ns) *start_ns = p.start_time_unix_nano();
        }
        for (const auto& p : m.histogram().data_points()) {
          out[m.name() + "/" + p.attributes(0).value().string_value()] += p.count();
        }
      }
    }
  }
  return out;
}

std::string Gunzip(const std::string& in) {
  std::string out = testing_util::Gunzip(in);
  EXPECT_FALSE(out.empty()) << "not a gzip body";
  return out;
}

// The output buffer starts small and grows: repetitive and incompressible input both round-trip.
TEST(GzipTest, RoundTripsRepetitiveAndIncompressibleData) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "deployment_frequency_total{project_id=\"p" + std::to_string(i) + "\"} 1\n";
  std::string random(300000, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (char& c : random) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  for (const std::string* data : {&text, &random}) {
    for (int level : {-1, 1, 9}) {
      std::string z = Gzip(*data, level);
      ASSERT_FALSE(z.empty());
      EXPECT_EQ(testing_util::Gunzip(z), *data) << "level " << level;
    }
  }
  EXPECT_LT(Gzip(text, 1).size(), text.size() / 8);
  EXPECT_FALSE(Gzip("", 1).empty());  // empty input: still a header and a trailer
}

class OtlpExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions o;
    o.path = dir_.File("em.db");
    o.full_sync = false;
    auto s = storage::SqliteEventStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    writes_ = std::make_unique<storage::WriteQueue>(store_.get());
    state_ = std::make_unique<api::StoredMetricState>(store_.get(), writes_.get());
  }
  void TearDown() override { writes_->Stop(); }

  // Records one deployment_frequency increment for `project`.
  void Deploy(const std::string& project) {
    domain::Sample s{&domain::kDeploymentFrequency, project, "", "prod", 1};
    ASSERT_TRUE(writes_
                    ->Run([&](domain::Transaction& tx) {
                      return domain::Record(tx, {s}, SystemClock::Instance().NowMs());
                    })
                    .ok());
  }

  std::unique_ptr<OtlpExporter> Make(ExporterOptions o = {}) { return Make(o, state_.get()); }
  std::unique_ptr<OtlpExporter> Make(ExporterOptions o, MetricStateSource* state) {
    auto t = std::make_unique<ScriptedTransport>();
    transport_ = t.get();
    o.resource = {{"service.name", "test"}};
    if (o.backoff_initial_ms == 1000) o.backoff_initial_ms = 5;
    if (o.backoff_max_ms == 30000) o.backoff_max_ms = 20;
    return std::make_unique<OtlpExporter>(o, state, std::move(t), &self_, &clock_);
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<storage::SqliteEventStore> store_;
  std::unique_ptr<storage::WriteQueue> writes_;
  std::unique_ptr<api::StoredMetricState> state_;
  ScriptedTransport* transport_ = nullptr;
  SelfMetrics self_;
  SteppingClock clock_;
};

TEST_F(OtlpExporterTest, NothingRecordedSendsNothing) {
  auto e = Make();
  EXPECT_TRUE(e->ExportOnce(1000).ok());
  EXPECT_TRUE(transport_->bodies.empty());
}

TEST_F(OtlpExporterTest, CumulativeExportsCarryTheTotalsFromTheDatabase) {
  Deploy("a");
  Deploy("a");
  Deploy("b");
  auto e = Make();
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  ASSERT_EQ(transport_->bodies.size(), 1u);
  auto t = Totals(transport_->bodies[0]);
  EXPECT_EQ(t["deployment_frequency/a"], 2u);
  EXPECT_EQ(t["deployment_frequency/b"], 1u);
  Deploy("a");
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  EXPECT_EQ(Totals(transport_->bodies[1])["deployment_frequency/a"], 3u);
  auto snap = self_.Get();
  EXPECT_EQ(snap.exported_points, 4u);
  EXPECT_TRUE(snap.last_export_success.has_value());
}

TEST_F(OtlpExporterTest, RetryableFailuresAreRetriedUntilAccepted) {
  Deploy("a");
  auto e = Make();
  transport_->script = {PostResult{503, "", "busy", "0"},
                        PostResult{0, "connection refused", "", ""}, PostResult{429, "", "", ""},
                        PostResult{200, "", "", ""}};
  ASSERT_TRUE(e->ExportOnce(5000).ok());
  EXPECT_EQ(transport_->bodies.size(), 4u);
  auto snap = self_.Get();
  EXPECT_EQ(snap.export_failures["retryable"], 2u);
  EXPECT_EQ(snap.export_failures["connection"], 1u);
  EXPECT_EQ(snap.exported_points, 1u);
}

TEST_F(OtlpExporterTest, ABadRequestIsNotRetried) {
  Deploy("a");
  auto e = Make();
  transport_->script = {PostResult{400, "", "invalid temporality", ""}};
  Status s = e->ExportOnce(5000);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(transport_->bodies.size(), 1u);
  EXPECT_EQ(self_.Get().export_failures["rejected"], 1u);
}

TEST_F(OtlpExporterTest, RetriesStopAtTheExportTimeout) {
  Deploy("a");
  auto e = Make();
  transport_->script = {PostResult{503, "", "", ""}};
  transport_->repeat_last = true;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(e->ExportOnce(100).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_GE(transport_->bodies.size(), 2u);
  // Retry-After longer than what is left: no wait at all, the next interval tries again.
  transport_->script = {PostResult{503, "", "", "3600"}};
  transport_->bodies.clear();
  EXPECT_FALSE(e->ExportOnce(1000).ok());
  EXPECT_EQ(transport_->bodies.size(), 1u);
}

TEST_F(OtlpExporterTest, PartialSuccessIsFinalAndCounted) {
  Deploy("a");
  auto e = Make();
  pb::collector::metrics::v1::ExportMetricsServiceResponse res;
  res.mutable_partial_success()->set_rejected_data_points(1);
  res.mutable_partial_success()->set_error_message("out of order");
  transport_->script = {PostResult{200, "", res.SerializeAsString(), ""}};
  EXPECT_TRUE(e->ExportOnce(1000).ok());
  EXPECT_EQ(transport_->bodies.size(), 1u);
  EXPECT_EQ(self_.Get().rejected_points, 1u);
}

TEST_F(OtlpExporterTest, GzipCompressesTheBody) {
  Deploy("a");
  ExporterOptions o;
  o.gzip = true;
  auto e = Make(o);
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  ASSERT_EQ(transport_->bodies.size(), 1u);
  EXPECT_TRUE(transport_->gzipped_flags[0]);
  EXPECT_EQ(Totals(Gunzip(transport_->bodies[0]))["deployment_frequency/a"], 1u);
}

TEST_F(OtlpExporterTest, LargeStatesAreSplitIntoSeveralRequests) {
  for (int i = 0; i < 300; ++i) Deploy("project-" + std::to_string(i));
  ExporterOptions o;
  o.max_request_bytes = 4096;
  auto e = Make(o);
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  EXPECT_GT(transport_->bodies.size(), 5u);
  uint64_t total = 0;
  for (const auto& b : transport_->bodies) {
    EXPECT_LE(b.size(), 4096u);
    for (const auto& [k, v] : Totals(b)) total += v;
  }
  EXPECT_EQ(total, 300u);
}

TEST_F(OtlpExporterTest, DeltaSendsEachChangeOnceAcrossRestarts) {
  ExporterOptions o;
  o.encode.temporality = Temporality::kDelta;
  Deploy("a");
  Deploy("a");
  {
    auto e = Make(o);
    ASSERT_TRUE(e->ExportOnce(1000).ok());
    EXPECT_EQ(Totals(transport_->bodies[0])["deployment_frequency/a"], 2u);
    ASSERT_TRUE(e->ExportOnce(1000).ok());  // nothing new: nothing sent
    EXPECT_EQ(transport_->bodies.size(), 1u);
  }
  // A new process: the acknowledged marks come from the database.
  clock_.offset = 60000;
  Deploy("a");
  auto e = Make(o);
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  ASSERT_EQ(transport_->bodies.size(), 1u);
  uint64_t start_ns = 0;
  EXPECT_EQ(Totals(transport_->bodies[0], &start_ns)["deployment_frequency/a"], 1u);
  // The delta interval starts where the acknowledged one ended (a minute of clock ago).
  EXPECT_LT(start_ns / 1000000, static_cast<uint64_t>(clock_.NowMs() - 30000));
  auto marks = store_->ListExportMarks();
  ASSERT_TRUE(marks.ok());
  ASSERT_EQ(marks->size(), 1u);
  EXPECT_EQ(marks->front().count, 3u);
}

TEST_F(OtlpExporterTest, DeltaRefusedByTheCollectorIsSentAgainLater) {
  ExporterOptions o;
  o.encode.temporality = Temporality::kDelta;
  Deploy("a");
  auto e = Make(o);
  transport_->script = {PostResult{503, "", "", ""}};
  transport_->repeat_last = true;
  EXPECT_FALSE(e->ExportOnce(30).ok());
  Deploy("a");
  transport_->script.clear();
  transport_->repeat_last = false;
  transport_->bodies.clear();
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  EXPECT_EQ(Totals(transport_->bodies[0])["deployment_frequency/a"], 2u);
}

// A metric state held in memory: what the exporter reads and saves, and failures on demand.
class FakeMetricState final : public MetricStateSource {
 public:
  Result<std::vector<domain::SeriesState>> ListSeries() override {
    if (!read_error.ok()) return read_error;
    return series;
  }
  Result<std::vector<domain::ExportMark>> ListExportMarks() override { return marks; }
  Status SaveExportMarks(std::span<const domain::ExportMark> saved) override {
    ++saves;
    if (!save_error.ok()) return save_error;
    for (const auto& m : saved) {
      std::erase_if(marks, [&](const domain::ExportMark& x) { return x.key == m.key; });
      marks.push_back(m);
    }
    return Status::Ok();
  }

  std::vector<domain::SeriesState> series;
  std::vector<domain::ExportMark> marks;
  Status read_error = Status::Ok();
  Status save_error = Status::Ok();
  int saves = 0;
};

domain::SeriesState Deployments(const std::string& project, int count, TimeMs start) {
  auto s = domain::SeriesState::Empty(domain::kDeploymentFrequency,
                                      {"deployment_frequency", project, "", "prod"}, start);
  for (int i = 0; i < count; ++i) s.Fold(1, start + i + 1);
  return s;
}

// Delta: the marks the source holds are where the deltas start, and what the collector
// acknowledged goes back to the source, whatever stores it.
TEST_F(OtlpExporterTest, DeltaStartsFromTheSourcesMarksAndSavesWhatWasAcknowledged) {
  FakeMetricState state;
  state.series = {Deployments("a", 5, 1000), Deployments("b", 2, 1000)};
  state.marks = {{state.series[0].key, 1000, 5000, 3, 3, {}},
                 {state.series[1].key, 1000, 5000, 2, 2, {}}};  // b: nothing new
  ExporterOptions o;
  o.encode.temporality = Temporality::kDelta;
  auto e = Make(o, &state);
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  ASSERT_EQ(transport_->bodies.size(), 1u);
  auto t = Totals(transport_->bodies[0]);
  EXPECT_EQ(t["deployment_frequency/a"], 2u);
  EXPECT_EQ(t.count("deployment_frequency/b"), 0u);
  EXPECT_EQ(state.saves, 1);
  ASSERT_EQ(state.marks.size(), 2u);
  EXPECT_EQ(state.marks.back().key, state.series[0].key);
  EXPECT_EQ(state.marks.back().count, 5u);
  EXPECT_GT(state.marks.back().acked_ms, 5000);  // the time of this export
}

// Marks that cannot be saved are still held: the same process does not send a delta twice.
TEST_F(OtlpExporterTest, AnUnsavedMarkIsHeldInMemory) {
  FakeMetricState state;
  state.series = {Deployments("a", 4, 1000)};
  state.save_error = Status::Unavailable("database is gone");
  ExporterOptions o;
  o.encode.temporality = Temporality::kDelta;
  auto e = Make(o, &state);
  EXPECT_TRUE(e->ExportOnce(1000).ok());  // the collector has it; only the mark is unsaved
  ASSERT_TRUE(e->ExportOnce(1000).ok());
  EXPECT_EQ(transport_->bodies.size(), 1u);
  EXPECT_EQ(state.saves, 1);
  EXPECT_TRUE(state.marks.empty());
}

TEST_F(OtlpExporterTest, AnUnreadableStateSendsNothing) {
  FakeMetricState state;
  state.series = {Deployments("a", 1, 1000)};
  state.read_error = Status::Unavailable("database is gone");
  auto e = Make({}, &state);
  EXPECT_EQ(e->ExportOnce(1000).code(), StatusCode::kUnavailable);
  EXPECT_TRUE(transport_->bodies.empty());
}

TEST_F(OtlpExporterTest, StopSendsAFinalExport) {
  ExporterOptions o;
  o.interval_ms = 3600000;
  auto e = Make(o);
  e->Start();
  Deploy("a");
  e->Stop(1000);
  ASSERT_EQ(transport_->bodies.size(), 1u);
  EXPECT_EQ(Totals(transport_->bodies[0])["deployment_frequency/a"], 1u);
}

TEST_F(OtlpExporterTest, ThePeriodicThreadExportsEveryInterval) {
  Deploy("a");
  ExporterOptions o;
  o.interval_ms = 10;
  auto e = Make(o);
  e->Start();
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> lock(transport_->mu);
      if (transport_->bodies.size() >= 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  e->Stop(0);
  EXPECT_GE(transport_->bodies.size(), 3u);
}

// Leads when told to, and counts how often it was asked.
class SwitchedLeadership final : public storage::ExportLeadership {
 public:
  bool IsLeader() override {
    ++asked;
    return leads;
  }
  bool leads = false;
  int asked = 0;
};

// A replica that does not lead sends nothing, neither each interval nor when it stops; once it
// leads it sends the whole state, as the sole exporter would.
TEST_F(OtlpExporterTest, AReplicaThatDoesNotLeadSkipsItsPush) {
  Deploy("a");
  SwitchedLeadership leadership;
  auto t = std::make_unique<ScriptedTransport>();
  ScriptedTransport* transport = t.get();
  ExporterOptions o;
  o.resource = {{"service.name", "test"}};
  OtlpExporter e(o, state_.get(), std::move(t), &self_, &clock_, &leadership);
  EXPECT_FALSE(self_.Get().export_leader);
  EXPECT_TRUE(e.ExportIfLeader(1000).ok());
  EXPECT_EQ(leadership.asked, 1);
  EXPECT_TRUE(transport->bodies.empty());
  EXPECT_FALSE(self_.Get().export_leader);
  leadership.leads = true;
  ASSERT_TRUE(e.ExportIfLeader(1000).ok());
  EXPECT_TRUE(self_.Get().export_leader);  // em_metrics_export_leader 1 on this replica only
  ASSERT_EQ(transport->bodies.size(), 1u);
  EXPECT_EQ(Totals(transport->bodies[0])["deployment_frequency/a"], 1u);
  leadership.leads = false;
  e.Stop(1000);  // the final export too
  EXPECT_EQ(transport->bodies.size(), 1u);
  EXPECT_EQ(leadership.asked, 3);
}

// Delta: a replica taking over reads the marks again, so it continues where the previous leader
// had its pushes acknowledged instead of re-sending from its own, older marks.
TEST_F(OtlpExporterTest, TakingOverReadsTheMarksTheLastLeaderSaved) {
  FakeMetricState state;
  state.series = {Deployments("a", 3, 1000)};
  SwitchedLeadership leadership;
  leadership.leads = true;
  auto t = std::make_unique<ScriptedTransport>();
  ScriptedTransport* transport = t.get();
  ExporterOptions o;
  o.resource = {{"service.name", "test"}};
  o.encode.temporality = Temporality::kDelta;
  OtlpExporter e(o, &state, std::move(t), &self_, &clock_, &leadership);
  ASSERT_TRUE(e.ExportIfLeader(1000).ok());  // 3 sent, acknowledged at count 3
  leadership.leads = false;
  ASSERT_TRUE(e.ExportIfLeader(1000).ok());
  // Meanwhile another replica led: 7 more recorded, pushed and acknowledged at count 10.
  state.series = {Deployments("a", 12, 1000)};
  state.marks = {{state.series[0].key, 1000, 9000, 10, 10, {}}};
  leadership.leads = true;
  ASSERT_TRUE(e.ExportIfLeader(1000).ok());
  ASSERT_EQ(transport->bodies.size(), 2u);
  EXPECT_EQ(Totals(transport->bodies[1])["deployment_frequency/a"], 2u);  // 12 - 10, not 12 - 3
}

}  // namespace
}  // namespace emm::exporting
