#include "export/self_metrics.h"

#include <gtest/gtest.h>

namespace emm::exporting {
namespace {

TEST(SelfMetricsTest, CountsRequestsByMethodRouteAndStatus) {
  SelfMetrics m(1000);
  m.RecordRequest("POST", "/api/v1/deployments", 201, 0.002);
  m.RecordRequest("POST", "/api/v1/deployments", 201, 0.003);
  m.RecordRequest("POST", "/api/v1/deployments", 400, 0.0001);
  auto s = m.Get();
  EXPECT_EQ(s.start_ms, 1000);
  EXPECT_EQ((s.requests[{"POST", "/api/v1/deployments", 201}]), 2u);
  EXPECT_EQ((s.requests[{"POST", "/api/v1/deployments", 400}]), 1u);
  const auto& h = s.durations[{"POST", "/api/v1/deployments"}];
  EXPECT_EQ(h.count, 3u);
  EXPECT_DOUBLE_EQ(h.sum, 0.0051);
  ASSERT_EQ(h.buckets.size(), SelfMetrics::DurationBounds().size() + 1);
  EXPECT_EQ(h.buckets[0], 1u);  // 0.0001 <= 0.0005
  EXPECT_EQ(h.buckets[2], 1u);  // 0.002 in (0.001, 0.0025]
  EXPECT_EQ(h.buckets[3], 1u);  // 0.003 in (0.0025, 0.005]
}

TEST(SelfMetricsTest, SlowRequestsLandInTheOverflowBucket) {
  SelfMetrics m;
  m.RecordRequest("GET", "/health", 200, 60);
  auto h = m.Get().durations[{"GET", "/health"}];
  EXPECT_EQ(h.buckets.back(), 1u);
}

TEST(SelfMetricsTest, ExportOutcomes) {
  SelfMetrics m;
  EXPECT_FALSE(m.Get().last_export_success.has_value());
  m.SetExporterEnabled(true);
  m.RecordExportSuccess(5000, 12);
  m.RecordExportSuccess(6000, 3);
  m.RecordExportFailure("retryable");
  m.RecordExportFailure("retryable");
  m.RecordExportFailure("rejected");
  m.RecordRejectedPoints(2);
  auto s = m.Get();
  EXPECT_TRUE(s.exporter_enabled);
  EXPECT_EQ(s.last_export_success, 6000);
  EXPECT_EQ(s.exported_points, 15u);
  EXPECT_EQ(s.export_failures["retryable"], 2u);
  EXPECT_EQ(s.export_failures["rejected"], 1u);
  EXPECT_EQ(s.rejected_points, 2u);
}

}  // namespace
}  // namespace emm::exporting
