#include "net/http_transport.h"

#include <gtest/gtest.h>

namespace emm::net {
namespace {

TEST(LinkTargetTest, FindsTheRelationGitHubPaginatesWith) {
  const std::string header =
      R"(<https://api.github.com/repositories/1/pulls/2/reviews/3/comments?per_page=100&page=2>; rel="next", )"
      R"(<https://api.github.com/repositories/1/pulls/2/reviews/3/comments?per_page=100&page=5>; rel="last")";
  EXPECT_EQ(LinkTarget(header, "next"),
            "https://api.github.com/repositories/1/pulls/2/reviews/3/comments?per_page=100&page=2");
  EXPECT_EQ(LinkTarget(header, "last"),
            "https://api.github.com/repositories/1/pulls/2/reviews/3/comments?per_page=100&page=5");
  EXPECT_EQ(LinkTarget(header, "prev"), std::nullopt);
}

TEST(LinkTargetTest, ReadsUnquotedAndSeveralRelationsAndOtherParameters) {
  EXPECT_EQ(LinkTarget("<https://x/a>; title=\"t\"; rel=next", "next"), "https://x/a");
  EXPECT_EQ(LinkTarget("<https://x/a>; rel=\"prev first\", <https://x/b>; rel=\"next last\"",
                       "last"),
            "https://x/b");
  EXPECT_EQ(LinkTarget("", "next"), std::nullopt);
  EXPECT_EQ(LinkTarget("garbage", "next"), std::nullopt);
  EXPECT_EQ(LinkTarget("<https://x/a; rel=next", "next"), std::nullopt);
  // "nextpage" is not "next".
  EXPECT_EQ(LinkTarget("<https://x/a>; rel=nextpage", "next"), std::nullopt);
}

TEST(OutboundResponseTest, HeaderFindsTheFirstOfThatName) {
  OutboundResponse r;
  r.headers = {{"link", "a"}, {"retry-after", "3"}, {"link", "b"}};
  EXPECT_EQ(r.Header("link"), "a");
  EXPECT_EQ(r.Header("retry-after"), "3");
  EXPECT_EQ(r.Header("etag"), std::nullopt);
}

}  // namespace
}  // namespace emm::net
