// The shipped recording rules are valid and compute over the series em-metrics produces (the
// original's named series that never existed). promtool is Debian's, installed by `make test`.
#include <gtest/gtest.h>

#include "peer_process.h"

namespace emm::e2e {
namespace {

const std::string kRulesDir = std::string(EMM_SOURCE_DIR) + "/deploy/prometheus";

TEST(RecordingRulesTest, RulesAreValidAndTheirUnitTestsPass) {
  std::string promtool = FindProgram("promtool");
  ASSERT_FALSE(promtool.empty()) << "promtool is missing: make test installs Debian's prometheus";
  auto check = RunProgram(kRulesDir, {promtool, "check", "rules", "em-metrics.rules.yml"}, "");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  auto test = RunProgram(kRulesDir, {promtool, "test", "rules", "em-metrics.rules.test.yml"}, "");
  EXPECT_EQ(test.exit_code, 0) << test.output;
}

}  // namespace
}  // namespace emm::e2e
