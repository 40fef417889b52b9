#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "api/query.h"
#include "common/log.h"

namespace emm::api {
namespace {

namespace json = boost::json;

Route MakeRoute(std::string method, std::string pattern, bool authenticated = true) {
  return Route{std::move(method), std::move(pattern), authenticated,
               [](const http::Request&, const PathParams&, http::Responder) {}};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(MakeRoute("GET", "/api/v1/health", false));
    router_.Add(MakeRoute("POST", "/api/v1/deployments"));
    router_.Add(MakeRoute("GET", "/api/v1/deployments"));
    router_.Add(MakeRoute("GET", "/api/v1/deployments/:deployment_id"));
    router_.Add(MakeRoute("POST", "/api/v1/deployments/:deployment_id/deployed"));
    router_.Add(MakeRoute("POST", "/api/v1/incidents/:incident_id/restored"));
    router_.Add(MakeRoute("GET", "/api/v1/teams/:team_id/projects/:project_id"));
  }

  // The matched pattern, or "" when nothing matches.
  std::string PatternOf(std::string_view method, std::string_view path) {
    auto m = router_.Find(method, path);
    return m ? m->route->pattern : "";
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralPaths) {
  auto m = router_.Find("GET", "/api/v1/health");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->pattern, "/api/v1/health");
  EXPECT_FALSE(m->route->authenticated);
  EXPECT_TRUE(m->params.empty());
}

TEST_F(RouterTest, MethodSelectsTheRoute) {
  auto post = router_.Find("POST", "/api/v1/deployments");
  auto get = router_.Find("GET", "/api/v1/deployments");
  ASSERT_TRUE(post && get);
  EXPECT_EQ(post->route->method, "POST");
  EXPECT_EQ(get->route->method, "GET");
  EXPECT_NE(post->route, get->route);
}

TEST_F(RouterTest, CapturesParameters) {
  auto m = router_.Find("POST", "/api/v1/deployments/abc-123/deployed");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->pattern, "/api/v1/deployments/:deployment_id/deployed");
  ASSERT_EQ(m->params.size(), 1u);
  EXPECT_EQ(m->params[0].first, "deployment_id");
  EXPECT_EQ(m->params[0].second, "abc-123");
  EXPECT_EQ(Router::Param(m->params, "deployment_id"), "abc-123");
}

TEST_F(RouterTest, CapturesSeveralParameters) {
  auto m = router_.Find("GET", "/api/v1/teams/t1/projects/p9");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(Router::Param(m->params, "team_id"), "t1");
  EXPECT_EQ(Router::Param(m->params, "project_id"), "p9");
  EXPECT_EQ(Router::Param(m->params, "nope"), "");
}

TEST_F(RouterTest, ParametersArePercentDecoded) {
  auto m = router_.Find("GET", "/api/v1/deployments/my%20deploy%2Fv2%3F");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->pattern, "/api/v1/deployments/:deployment_id");
  EXPECT_EQ(Router::Param(m->params, "deployment_id"), "my deploy/v2?");
}

TEST_F(RouterTest, PlusInAPathIsNotASpace) {
  auto m = router_.Find("GET", "/api/v1/deployments/a+b");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(Router::Param(m->params, "deployment_id"), "a+b");
}

TEST_F(RouterTest, HeadMatchesGet) {
  auto m = router_.Find("HEAD", "/api/v1/deployments/d1");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->method, "GET");
  EXPECT_EQ(Router::Param(m->params, "deployment_id"), "d1");
  EXPECT_EQ(PatternOf("HEAD", "/api/v1/health"), "/api/v1/health");
  // HEAD never reaches a POST-only route.
  EXPECT_EQ(PatternOf("HEAD", "/api/v1/deployments/d1/deployed"), "");
}

TEST_F(RouterTest, NoMatch) {
  EXPECT_FALSE(router_.Find("GET", "/api/v1/nothing").has_value());
  EXPECT_FALSE(router_.Find("DELETE", "/api/v1/deployments").has_value());
  EXPECT_FALSE(router_.Find("GET", "/api/v1/deployments/d1/deployed").has_value());
  EXPECT_FALSE(router_.Find("POST", "/api/v1/deployments/d1/deployed/more").has_value());
  EXPECT_FALSE(router_.Find("GET", "/api/v1").has_value());
  EXPECT_FALSE(router_.Find("GET", "/").has_value());
  EXPECT_FALSE(router_.Find("GET", "").has_value());
  EXPECT_FALSE(router_.Find("get", "/api/v1/health").has_value());  // methods are upper case
}

TEST_F(RouterTest, EmptyParameterDoesNotMatch) {
  EXPECT_EQ(PatternOf("POST", "/api/v1/deployments//deployed"), "");
  EXPECT_EQ(PatternOf("GET", "/api/v1/deployments/"), "");
}

TEST_F(RouterTest, LiteralSegmentsMatchExactly) {
  EXPECT_EQ(PatternOf("GET", "/api/v1/Health"), "");
  EXPECT_EQ(PatternOf("GET", "/api/v2/health"), "");
  EXPECT_EQ(PatternOf("GET", "/api/v1/health/"), "");
  EXPECT_EQ(PatternOf("POST", "/api/v1/incidents/i1/finished"), "");
}

TEST_F(RouterTest, HandlerOfTheMatchedRouteIsCalled) {
  Router router;
  std::string seen;
  router.Add(Route{"GET", "/x/:id", true,
                   [&seen](const http::Request& req, const PathParams& params, http::Responder) {
                     seen = req.path + " " + Router::Param(params, "id");
                   }});
  auto m = router.Find("GET", "/x/42");
  ASSERT_TRUE(m.has_value());
  http::Request req;
  req.method = "GET";
  req.path = "/x/42";
  m->route->handler(req, m->params, [](http::Response) {});
  EXPECT_EQ(seen, "/x/42 42");
}

// --- Query ---

TEST(QueryTest, ParsesPairsWithPlusAndPercentEscapes) {
  Query q = Query::Parse("project_id=my+project&env=prod%2Feu&from=2024-05-01T10%3A00%3A00Z");
  EXPECT_EQ(q.Get("project_id"), "my project");
  EXPECT_EQ(q.Get("env"), "prod/eu");
  EXPECT_EQ(q.Get("from"), "2024-05-01T10:00:00Z");
  EXPECT_EQ(q.Get("missing"), std::nullopt);
  EXPECT_EQ(q.items().size(), 3u);
}

TEST(QueryTest, EncodedPlusIsAPlus) {
  Query q = Query::Parse("tz=%2B02%3A00&a%20b=c+d");
  EXPECT_EQ(q.Get("tz"), "+02:00");
  EXPECT_EQ(q.Get("a b"), "c d");
}

TEST(QueryTest, KeysWithoutValuesAndEmptyParts) {
  Query q = Query::Parse("&flag&&empty=&x=1&");
  EXPECT_EQ(q.Get("flag"), "");
  EXPECT_EQ(q.Get("empty"), "");
  EXPECT_EQ(q.Get("x"), "1");
  EXPECT_EQ(q.items().size(), 3u);
}

TEST(QueryTest, LastRepeatedValueWins) {
  Query q = Query::Parse("limit=1&limit=2&limit=3");
  EXPECT_EQ(q.Get("limit"), "3");
  EXPECT_EQ(q.items().size(), 3u);
}

TEST(QueryTest, ValueMayContainEquals) { EXPECT_EQ(Query::Parse("a=b=c").Get("a"), "b=c"); }

TEST(QueryTest, EmptyQuery) {
  Query q = Query::Parse("");
  EXPECT_TRUE(q.items().empty());
  EXPECT_EQ(q.Get(""), std::nullopt);
}

}  // namespace
}  // namespace emm::api
