// Every text field of every provider's documented payload (tests/testdata), one at a time, made
// 2,100 bytes of text that does not compress, then a text holding a NUL, and delivered signed to
// the real binary: never a 5xx, on either backend (EMM_E2E_BACKEND). PostgreSQL stores neither a
// NUL nor an index entry over 2,704 bytes, where SQLite takes both; whatever a field becomes (an
// id, a project, an alias, a hash, nothing), the answer is a 2xx or a 4xx naming the problem.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "e2e/http_client.h"
#include "e2e/linear_delivery.h"
#include "e2e/server_process.h"
#include "e2e/webhook_signing.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kIncidentIoKey = "c2VjcmV0LWtleS1mb3ItdGhlLWUyZS10ZXN0cw==";
// Each provider's mapping from the tests of its own, so that the payloads are stored, not
// acknowledged unused.
constexpr const char* kConfig =
    R"({"teams":{"em":{"projects":["api","product-web","myapp"],)"
    R"("users":[{"github_username":"rooty","gitlab_username":"root"}]}},)"
    R"("incidents":{"pagerduty":{"projects":{"PF9KMXH":"api"},"environment":"production"},)"
    R"("incident_io":{"project_field":"Affected Team","projects":{"Product":"product-web"},)"
    R"("environment":"production","deployment_field":"Deployment"}},)"
    R"("ticketing":{"linear":{"ticket_type_selector":)"
    R"({"parent_label_id":"f6e5d4c3-b2a1-4f0e-9d8c-7b6a5f4e3d2c"}}}})";

// A JSON path: object keys, and array indexes as numbers.
using Path = std::vector<json::value>;

void StringLeaves(const json::value& v, Path& at, std::vector<Path>* out) {
  if (v.is_string()) {
    out->push_back(at);
  } else if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      at.emplace_back(json::string(k));
      StringLeaves(child, at, out);
      at.pop_back();
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.as_array().size(); ++i) {
      at.emplace_back(static_cast<uint64_t>(i));
      StringLeaves(v.as_array()[i], at, out);
      at.pop_back();
    }
  }
}

json::value& At(json::value& root, const Path& path) {
  json::value* v = &root;
  for (const json::value& step : path) {
    v = step.is_string() ? &v->as_object()[step.as_string()]
                         : &v->as_array()[static_cast<size_t>(step.as_uint64())];
  }
  return *v;
}

std::string Describe(const Path& path) {
  std::string out;
  for (const json::value& step : path) {
    if (!out.empty()) out += '.';
    out += step.is_string() ? std::string(step.as_string()) : std::to_string(step.as_uint64());
  }
  return out;
}

struct Provider {
  std::string fixture;  // under tests/testdata
  // Delivers `payload` as the provider does, signed; `n` numbers the delivery, so that none is
  // taken for a replay of another.
  std::function<HttpResponse(json::value payload, int n)> deliver;
  // The fields naming the record a delivery makes, given a value of their own in each one (unless
  // one is the field under test), so that each stores a new record with the text under test
  // rather than finding the first one's.
  std::vector<std::vector<std::string>> fresh = {};
};

// Gives each of `p.fresh` in `payload` the delivery's own value: `n`, or "fresh-<n>" for a text.
void Freshen(const Provider& p, const Path& under_test, int n, json::value& payload) {
  for (const auto& keys : p.fresh) {
    Path path(keys.begin(), keys.end());
    if (path == under_test) continue;
    json::value& v = At(payload, path);
    if (v.is_string()) {
      v = "fresh-" + std::to_string(n);
    } else {
      v = n;
    }
  }
}

class WebhookFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("config.json", kConfig);
    server_ = ServerProcess::Start(dir_.path(),
                                   {{"CONFIG", dir_.File("config.json")},
                                    {"GITHUB_WEBHOOK_SECRET", "gh"},
                                    {"GITLAB_WEBHOOK_TOKEN", "gl"},
                                    {"PAGERDUTY_WEBHOOK_SECRET", "pd"},
                                    {"LINEAR_SECRET", "ln"},
                                    {"INCIDENT_IO_WEBHOOK_SECRET",
                                     std::string("whsec_") + kIncidentIoKey}});
    ASSERT_NE(server_, nullptr);
  }

  std::vector<Provider> Providers() const {
    const uint16_t port = server_->port();
    auto github = [port](std::string event) {
      return [port, event](json::value p, int n) {
        const std::string body = json::serialize(p);
        return PostGitHubDelivery(port, event, body, "d-" + std::to_string(n),
                                  GitHubSignature("gh", body));
      };
    };
    auto gitlab = [port](std::string event) {
      return [port, event](json::value p, int n) {
        return HttpClient(port).Post("/webhooks/gitlab", json::serialize(p),
                                     {{"Content-Type", "application/json"},
                                      {"X-Gitlab-Event", event},
                                      {"X-Gitlab-Token", "gl"},
                                      {"X-Gitlab-Event-UUID", "u-" + std::to_string(n)}});
      };
    };
    auto pagerduty = [port](json::value p, int) {
      const std::string body = json::serialize(p);
      return HttpClient(port).Post("/webhooks/pagerduty", body,
                                   {{"Content-Type", "application/json"},
                                    {"X-PagerDuty-Signature", "v1=" + HexHmacSha256("pd", body)}});
    };
    auto linear = [port](json::value p, int) { return LinearSender(port, "ln").Send(p.as_object()); };
    auto incident_io = [port](json::value p, int n) {
      const std::string body = json::serialize(p), id = "msg_" + std::to_string(n);
      const std::string timestamp = std::to_string(std::time(nullptr));
      return HttpClient(port).Post(
          "/webhooks/incident-io", body,
          {{"Content-Type", "application/json"},
           {"webhook-id", id},
           {"webhook-timestamp", timestamp},
           {"webhook-signature", SvixSignature(kIncidentIoKey, id, timestamp, body)}});
    };
    auto cdevents = [port](json::value p, int n) {
      const json::object& context = p.as_object()["context"].as_object();
      return HttpClient(port).Post("/api/v1/cdevents", json::serialize(p),
                                   {{"Content-Type", "application/json"},
                                    {"ce-specversion", "1.0"},
                                    {"ce-id", "ce-" + std::to_string(n)},
                                    {"ce-source", "/probe"},
                                    {"ce-type", std::string(context.at("type").as_string())}});
    };
    // deployment_status needs the GitHub App's API (503 without it, by design: github-app.md).
    // PagerDuty's event id is its delivery id.
    const std::vector<std::vector<std::string>> pd_fresh = {{"event", "id"},
                                                            {"event", "data", "id"}};
    const std::vector<std::vector<std::string>> io_fresh = {
        {"public_incident.incident_created_v2", "id"}};
    return {
        {"github/pull_request.opened.json", github("pull_request"),
         {{"pull_request", "number"}, {"pull_request", "id"}, {"number"}}},
        {"github/pull_request_review.submitted.json", github("pull_request_review")},
        {"github/workflow_run.completed.json", github("workflow_run"), {{"workflow_run", "id"}}},
        {"gitlab/merge_request_open.json", gitlab("Merge Request Hook"),
         {{"object_attributes", "iid"}, {"object_attributes", "id"}}},
        {"gitlab/deployment_success.json", gitlab("Deployment Hook"), {{"deployment_id"}}},
        {"pagerduty/incident-triggered.json", pagerduty, pd_fresh},
        {"pagerduty/incident-acknowledged.json", pagerduty, {{"event", "id"}}},
        {"pagerduty/incident-resolved.json", pagerduty, {{"event", "id"}}},
        {"incident-io/incident-created.json", incident_io, io_fresh},
        {"incident-io/incident-status-closed.json", incident_io},
        {"linear/issue-create.json", linear, {{"data", "id"}}},
        {"linear/issue-update-completed.json", linear},
        {"linear/comment-create.json", linear},
        {"cdevents/service_deployed_v0.4.json", cdevents, {{"context", "id"}}},
        {"cdevents/incident_detected_v0.4.json", cdevents, {{"subject", "id"}}},
        {"cdevents/change_merged_v0.5.json", cdevents},
        {"cdevents/ticket_closed_v0.4.json", cdevents},
    };
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WebhookFieldsTest, NoTextInAnyFieldIsAServerError) {
  std::mt19937 random(14);
  auto text = [&](size_t n) {
    static constexpr char kChars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string out(n, 'x');
    for (char& c : out) c = kChars[random() % (sizeof kChars - 1)];
    return out;
  };
  int n = 0, stored = 0;
  auto deliver = [&](const Provider& p, json::value payload, const Path& under_test,
                     const std::string& what) {
    Freshen(p, under_test, ++n, payload);
    HttpResponse r = p.deliver(std::move(payload), n);
    EXPECT_LT(r.status, 500) << p.fixture << " " << what << ": " << r.status << " "
                             << r.body.substr(0, 300);
    if (r.status == 201) ++stored;
    return r.status;
  };
  for (const Provider& p : Providers()) {
    const std::string raw = TestData(p.fixture);
    ASSERT_FALSE(raw.empty()) << p.fixture;
    const json::value fixture = json::parse(raw);
    std::vector<Path> leaves;
    Path at;
    StringLeaves(fixture, at, &leaves);
    ASSERT_FALSE(leaves.empty()) << p.fixture;
    // The payload as documented first: the record later events (a resolution, a closing) find
    // (a CDEvents change merged or ticket closed that was never created is 404 by design).
    deliver(p, fixture, {}, "as documented");
    // Each field alone: a NUL, and the longest text of 2,100, 2,048, 1,024, 256 or 64 bytes it
    // is taken with (below 400), kept for the delivery of all of them at once below.
    json::value longest = fixture;
    for (const Path& leaf : leaves) {
      if (Describe(leaf) == "context.type") continue;  // must equal ce-type: a 400 by design
      json::value with_nul = fixture;
      At(with_nul, leaf) = json::string(std::string("a\0b", 3));
      deliver(p, std::move(with_nul), leaf, Describe(leaf) + " holding a NUL");
      for (size_t size : {2100, 2048, 1024, 256, 64}) {
        json::value payload = fixture;
        const std::string value = text(size);
        At(payload, leaf) = json::string(value);
        if (deliver(p, std::move(payload), leaf, Describe(leaf) + " of " + std::to_string(size)) <
            400) {
          At(longest, leaf) = json::string(value);
          break;
        }
      }
    }
    // Every field at its longest at once: what one field's limit allows may not fit beside
    // another's (PostgreSQL indexes at most 2,704 bytes a row, across its columns).
    deliver(p, std::move(longest), {}, "every field at its longest");
  }
  // The deliveries reached the store, not only the parsers: many were stored.
  EXPECT_GT(stored, 50) << "of " << n;
  std::printf("delivered %d payloads, %d stored (201)\n", n, stored);
}

}  // namespace
}  // namespace emm::e2e
