// The encoder's bodies, read back with the same generated classes. The reference decoder from
// npm checks them independently in tests/e2e/otlp_export_test.cc.
#include "export/otlp_encoder.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace emm::exporting {
namespace {

namespace pb = opentelemetry::proto;
using domain::SeriesState;

SeriesState Counter(std::string project, std::string team, uint64_t count) {
  SeriesState s = SeriesState::Empty(domain::kDeploymentFrequency,
                                     {"deployment_frequency", project, team, "prod"}, 1000);
  for (uint64_t i = 0; i < count; ++i) s.Fold(1, 2000);
  return s;
}

SeriesState LeadTimes(std::initializer_list<double> seconds) {
  SeriesState s = SeriesState::Empty(domain::kLeadTimeForChanges,
                                     {"lead_time_for_changes", "api", "core", "prod"}, 1000);
  for (double v : seconds) s.Fold(v, 2000);
  return s;
}

pb::collector::metrics::v1::ExportMetricsServiceRequest Parse(const std::string& body) {
  pb::collector::metrics::v1::ExportMetricsServiceRequest req;
  EXPECT_TRUE(req.ParseFromString(body));
  return req;
}

std::string Attr(const google::protobuf::RepeatedPtrField<pb::common::v1::KeyValue>& attrs,
                 const std::string& key) {
  for (const auto& kv : attrs) {
    if (kv.key() == key) return kv.value().string_value();
  }
  return "(absent)";
}

const Attributes kResource = {{"service.name", "em_metrics"}, {"environment", "prod"}};

TEST(OtlpEncoderTest, CounterIsAMonotonicCumulativeSumWithIntegerPoints) {
  std::vector<SeriesState> points = {Counter("api", "core", 3)};
  auto req = Parse(EncodeRequest(kResource, points, {}, 5000));
  ASSERT_EQ(req.resource_metrics_size(), 1);
  const auto& rm = req.resource_metrics(0);
  EXPECT_EQ(Attr(rm.resource().attributes(), "service.name"), "em_metrics");
  ASSERT_EQ(rm.scope_metrics_size(), 1);
  EXPECT_EQ(rm.scope_metrics(0).scope().name(), "em-metrics");
  ASSERT_EQ(rm.scope_metrics(0).metrics_size(), 1);
  const auto& m = rm.scope_metrics(0).metrics(0);
  EXPECT_EQ(m.name(), "deployment_frequency");
  EXPECT_EQ(m.unit(), "{deployment}");
  ASSERT_TRUE(m.has_sum());
  EXPECT_TRUE(m.sum().is_monotonic());
  EXPECT_EQ(m.sum().aggregation_temporality(), pb::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  ASSERT_EQ(m.sum().data_points_size(), 1);
  const auto& p = m.sum().data_points(0);
  EXPECT_EQ(p.as_int(), 3);
  EXPECT_EQ(p.start_time_unix_nano(), 1000ull * 1000000ull);
  EXPECT_EQ(p.time_unix_nano(), 5000ull * 1000000ull);
  EXPECT_EQ(Attr(p.attributes(), "project_id"), "api");
  EXPECT_EQ(Attr(p.attributes(), "team_id"), "core");
  EXPECT_EQ(Attr(p.attributes(), "environment"), "prod");
}

TEST(OtlpEncoderTest, AnUnresolvedTeamLeavesTheAttributeOut) {
  std::vector<SeriesState> points = {Counter("api", "", 1)};
  auto req = Parse(EncodeRequest(kResource, points, {}, 5000));
  const auto& p = req.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(0);
  EXPECT_EQ(p.attributes_size(), 2);
  EXPECT_EQ(Attr(p.attributes(), "team_id"), "(absent)");
}

TEST(OtlpEncoderTest, HistogramCarriesSecondsBucketsSumMinMax) {
  std::vector<SeriesState> points = {LeadTimes({30, 90, 90, 400000})};
  auto req = Parse(EncodeRequest(kResource, points, {}, 5000));
  const auto& m = req.resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(m.name(), "lead_time_for_changes");
  EXPECT_EQ(m.unit(), "s");
  ASSERT_TRUE(m.has_histogram());
  const auto& p = m.histogram().data_points(0);
  const auto bounds = domain::DurationBucketBounds();
  ASSERT_EQ(p.explicit_bounds_size(), static_cast<int>(bounds.size()));
  EXPECT_EQ(p.explicit_bounds(0), 60);
  EXPECT_EQ(p.explicit_bounds(p.explicit_bounds_size() - 1), 182 * 86400);
  ASSERT_EQ(p.bucket_counts_size(), static_cast<int>(bounds.size()) + 1);
  EXPECT_EQ(p.bucket_counts(0), 1u);  // 30 s <= 1 min
  EXPECT_EQ(p.bucket_counts(1), 2u);  // 90 s in (1 min, 5 min]
  uint64_t total = 0;
  for (uint64_t c : p.bucket_counts()) total += c;
  EXPECT_EQ(total, 4u);
  EXPECT_EQ(p.count(), 4u);
  EXPECT_TRUE(p.has_sum());
  EXPECT_DOUBLE_EQ(p.sum(), 400210);
  EXPECT_DOUBLE_EQ(p.min(), 30);
  EXPECT_DOUBLE_EQ(p.max(), 400000);
}

TEST(OtlpEncoderTest, DeltaHistogramsHaveNoMinMax) {
  std::vector<SeriesState> points = {LeadTimes({30})};
  EncodeOptions o;
  o.temporality = Temporality::kDelta;
  auto req = Parse(EncodeRequest(kResource, points, o, 5000));
  const auto& m = req.resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(m.histogram().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_FALSE(m.histogram().data_points(0).has_min());
  EXPECT_FALSE(m.histogram().data_points(0).has_max());
}

TEST(OtlpEncoderTest, PointsOfOneMetricShareOneMetric) {
  std::vector<SeriesState> points = {Counter("a", "", 1), Counter("b", "", 2), LeadTimes({1})};
  auto req = Parse(EncodeRequest(kResource, points, {}, 5000));
  const auto& sm = req.resource_metrics(0).scope_metrics(0);
  ASSERT_EQ(sm.metrics_size(), 2);
  EXPECT_EQ(sm.metrics(0).sum().data_points_size(), 2);
}

TEST(OtlpEncoderTest, NothingToSendIsAnEmptyRequest) {
  auto req = Parse(EncodeRequest(kResource, {}, {}, 5000));
  EXPECT_EQ(req.resource_metrics_size(), 0);
}

TEST(OtlpEncoderTest, JsonUsesCamelCaseStringsForLongsAndIntegerEnums) {
  std::vector<SeriesState> points = {Counter("api", "core", 3)};
  EncodeOptions o;
  o.encoding = Encoding::kJson;
  std::string json = EncodeRequest(kResource, points, o, 5000);
  EXPECT_NE(json.find("\"resourceMetrics\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"aggregationTemporality\":2"), std::string::npos) << json;
  EXPECT_NE(json.find("\"asInt\":\"3\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"startTimeUnixNano\":\"1000000000\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"isMonotonic\":true"), std::string::npos) << json;
  EXPECT_EQ(json.find("resource_metrics"), std::string::npos) << json;
}

TEST(OtlpEncoderTest, ChunksStayUnderTheLimitAndCoverEveryPointOnce) {
  std::vector<SeriesState> points;
  for (int i = 0; i < 500; ++i) points.push_back(Counter("project-" + std::to_string(i), "", 1));
  for (int i = 0; i < 100; ++i) {
    SeriesState h = LeadTimes({1});
    h.key.project_id = "h" + std::to_string(i);
    points.push_back(h);
  }
  const size_t limit = 8 * 1024;
  auto chunks = EncodeInChunks(kResource, points, {}, 5000, limit);
  ASSERT_GT(chunks.size(), 1u);
  size_t next = 0, total = 0;
  for (const auto& c : chunks) {
    EXPECT_LE(c.body.size(), limit);
    EXPECT_EQ(c.begin, next);
    next = c.end;
    auto req = Parse(c.body);
    for (const auto& m : req.resource_metrics(0).scope_metrics(0).metrics()) {
      total += m.has_sum() ? m.sum().data_points_size() : m.histogram().data_points_size();
    }
  }
  EXPECT_EQ(next, points.size());
  EXPECT_EQ(total, points.size());
}

TEST(OtlpEncoderTest, ResponsePartialSuccessIsRead) {
  pb::collector::metrics::v1::ExportMetricsServiceResponse res;
  res.mutable_partial_success()->set_rejected_data_points(2);
  res.mutable_partial_success()->set_error_message("too old");
  PartialSuccess p;
  ASSERT_TRUE(DecodeResponse(res.SerializeAsString(), Encoding::kProtobuf, &p));
  EXPECT_EQ(p.rejected_data_points, 2);
  EXPECT_EQ(p.error_message, "too old");
  ASSERT_TRUE(DecodeResponse(R"({"partialSuccess":{"rejectedDataPoints":"1"},"x":1})",
                             Encoding::kJson, &p));
  EXPECT_EQ(p.rejected_data_points, 1);
  ASSERT_TRUE(DecodeResponse("", Encoding::kJson, &p));
  EXPECT_EQ(p.rejected_data_points, 0);
  EXPECT_FALSE(DecodeResponse("not json", Encoding::kJson, &p));
}

}  // namespace
}  // namespace emm::exporting

namespace emm::exporting {
namespace {

// A histogram is sent with its own metric's bounds (pull request sizes in lines), and a series
// with no project or environment sends neither attribute.
TEST(OtlpEncoderBoundsTest, AHistogramCarriesItsMetricsOwnBounds) {
  SeriesState s = SeriesState::Empty(domain::kPullRequestLocAdded,
                                     {"pull_request_loc_added", "", "web", ""}, 1000);
  s.Fold(120, 2000);
  std::vector<SeriesState> points{s};
  pb::collector::metrics::v1::ExportMetricsServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(EncodeRequest({{"service.name", "t"}}, points, {}, 5000)));
  const auto& m = req.resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(m.name(), "pull_request_loc_added");
  const auto& p = m.histogram().data_points(0);
  const auto bounds = domain::BucketBounds(domain::kPullRequestLocAdded);
  ASSERT_EQ(p.explicit_bounds_size(), static_cast<int>(bounds.size()));
  EXPECT_EQ(p.explicit_bounds(0), 1);
  EXPECT_EQ(p.explicit_bounds(4), 300);
  ASSERT_EQ(p.bucket_counts_size(), static_cast<int>(bounds.size()) + 1);
  EXPECT_EQ(p.bucket_counts(4), 1u);  // 120 lines in (100, 300]
  ASSERT_EQ(p.attributes_size(), 1);
  EXPECT_EQ(p.attributes(0).key(), "team_id");
}

TEST(OtlpEncoderBoundsTest, ATicketSeriesSendsItsTicketType) {
  SeriesState s =
      SeriesState::Empty(domain::kTicketCount, {"ticket_count", "web", "ENG", "", "bug"}, 1000);
  s.Fold(1, 2000);
  std::vector<SeriesState> points{s};
  pb::collector::metrics::v1::ExportMetricsServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(EncodeRequest({{"service.name", "t"}}, points, {}, 5000)));
  const auto& p = req.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(0);
  ASSERT_EQ(p.attributes_size(), 3);
  EXPECT_EQ(p.attributes(0).key(), "project_id");
  EXPECT_EQ(p.attributes(1).key(), "team_id");
  EXPECT_EQ(p.attributes(2).key(), "ticket_type");
  EXPECT_EQ(p.attributes(2).value().string_value(), "bug");
}

}  // namespace
}  // namespace emm::exporting
