#include "export/resource.h"

#include <gtest/gtest.h>

#include <regex>

namespace emm::exporting {
namespace {

TEST(ResourceTest, ParsesPercentEncodedLists) {
  auto a = ParseResourceAttributes("team=core, region=eu%2Cwest ,note=a%3Db");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Attributes{{"team", "core"}, {"region", "eu,west"}, {"note", "a=b"}}));
  EXPECT_TRUE(ParseResourceAttributes("")->empty());
}

TEST(ResourceTest, OneBadEntryDiscardsTheWholeValue) {
  auto bad = ParseResourceAttributes("ok=1,broken");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().ToString().find("broken"), std::string::npos);
  EXPECT_FALSE(ParseResourceAttributes("k=%zz").ok());
  EXPECT_FALSE(ParseResourceAttributes("k=%2").ok());
  EXPECT_FALSE(ParseResourceAttributes("=v").ok());
}

TEST(ResourceTest, HeadersKeepSpacesInsideValues) {
  auto h = ParseHeaderList("Authorization=Bearer%20abc,X-Scope-OrgID=tenant-1");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, (Attributes{{"Authorization", "Bearer abc"}, {"X-Scope-OrgID", "tenant-1"}}));
}

TEST(ResourceTest, ServiceNameWinsAndTheEnvironmentIsUnderBothKeys) {
  auto r = BuildResource(
      {"em_metrics", "1.0", "prod", "id-1", {{"service.name", "other"}, {"team", "x"}}});
  auto get = [&](const std::string& k) {
    for (const auto& [key, v] : r) {
      if (key == k) return v;
    }
    return std::string("(absent)");
  };
  EXPECT_EQ(get("service.name"), "em_metrics");
  EXPECT_EQ(get("service.instance.id"), "id-1");
  EXPECT_EQ(get("environment"), "prod");
  EXPECT_EQ(get("deployment.environment.name"), "prod");
  EXPECT_EQ(get("team"), "x");
}

TEST(ResourceTest, InstanceIdsAreVersionFourUuids) {
  std::string a = RandomUuid(), b = RandomUuid();
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(
      a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << a;
}

}  // namespace
}  // namespace emm::exporting
