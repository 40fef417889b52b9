// What every webhook route does (docs/webhooks.md), against the real binary.
#include <gtest/gtest.h>

#include <string>

#include "e2e/http_client.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

// A route whose secret is not configured takes nothing: 503 naming the variable, whatever the
// delivery claims.
TEST(WebhooksTest, WithoutItsSecretEachWebhookIs503NamingTheVariable) {
  TempDir dir;
  auto server = ServerProcess::Start(dir.path());
  ASSERT_NE(server, nullptr);
  const struct {
    const char* path;
    const char* variable;
    Headers headers;
  } routes[] = {
      {"/webhooks/github", "GITHUB_WEBHOOK_SECRET",
       {{"X-GitHub-Event", "ping"}, {"X-Hub-Signature-256", "sha256=00"}}},
      {"/webhooks/pagerduty", "PAGERDUTY_WEBHOOK_SECRET", {{"X-PagerDuty-Signature", "v1=00"}}},
      {"/webhooks/incident-io", "INCIDENT_IO_WEBHOOK_SECRET",
       {{"webhook-id", "msg_1"}, {"webhook-timestamp", "1"}, {"webhook-signature", "v1,AAAA"}}},
      {"/webhooks/gitlab", "GITLAB_WEBHOOK_TOKEN",
       {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", "anything"}}},
  };
  for (const auto& route : routes) {
    auto r = HttpClient(server->port()).Post(route.path, "{}", route.headers);
    EXPECT_EQ(r.status, 503) << route.path;
    EXPECT_NE(r.body.find(route.variable), std::string::npos) << r.body;
  }
}

}  // namespace
}  // namespace emm::e2e
