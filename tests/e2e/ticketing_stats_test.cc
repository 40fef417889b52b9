// POST /api/v1/ticketing/stats against the real binary, with tickets delivered as Linear would:
// the original's request shapes (body from/to/unhash_actors, ?format=csv), its response shape,
// every figure worked out by hand; and the tickets listing.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "e2e/http_client.h"
#include "e2e/linear_delivery.h"
#include "e2e/server_process.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kSecret = "lin_wh_test_secret";
const char* const kAdaHash = "tfyF5VdV+eDQMKEKtEKbaylEhV+aDWAHf+gyvsvEHXI=";
const char* const kGraceHash = "tTPUVH6qWg+pVZZaHKOTzNLqATAyoQVybyMutBvdxPo=";

json::object State(const char* type) {
  return json::object{{"id", std::string("s-") + type}, {"name", type}, {"type", type},
                      {"color", "#000000"}};
}

json::value Assignee(const char* email) {
  if (email == nullptr) return nullptr;  // removed: no assignee
  return json::object{{"id", std::string("u-") + email}, {"name", email}, {"email", email},
                      {"url", "https://linear.app/acme/profiles/x"}};
}

// A done issue: `start` null means never started (its time runs from creation).
json::object DoneIssue(const std::string& id, const char* email, const char* project,
                       const char* created, const char* start, const char* completed,
                       json::value estimate) {
  return LinearIssue(
      id, {{"assignee", Assignee(email)},
           {"project", json::object{{"id", std::string("p-") + project}, {"name", project},
                                    {"url", "https://linear.app/acme/project/x"}}},
           {"createdAt", created},
           {"updatedAt", completed},
           {"startedAt", start ? json::value(start) : json::value(nullptr)},
           {"completedAt", completed},
           {"estimate", estimate},
           {"state", State("completed")}});
}

class TicketingStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path(), {{"LINEAR_SECRET", kSecret}});
    ASSERT_NE(server_, nullptr);
    LinearSender linear(server_->port(), kSecret);
    // March: Ada, 6 h on Checkout (estimate 3) and 24 h from creation on Search (2).
    // April: nobody, 23 days on Checkout started in March (8): its finish month counts;
    // Grace, 30 min on Checkout (no estimate).
    // Left out: Ada's issue still in progress; Ada's issue started before `from`.
    const json::object issues[] = {
        DoneIssue("ENG-1", "ada@example.com", "Checkout", "2025-03-01T10:00:00.000Z",
                  "2025-03-02T09:00:00.000Z", "2025-03-02T15:00:00.000Z", 3),
        DoneIssue("ENG-2", "ada@example.com", "Search", "2025-03-03T00:00:00.000Z", nullptr,
                  "2025-03-04T00:00:00.000Z", 2),
        DoneIssue("ENG-3", nullptr, "Checkout", "2025-03-09T09:00:00.000Z",
                  "2025-03-10T12:00:00.000Z", "2025-04-02T12:00:00.000Z", 8),
        DoneIssue("ENG-4", "grace@example.com", "Checkout", "2025-04-05T09:00:00.000Z",
                  "2025-04-05T10:00:00.000Z", "2025-04-05T10:30:00.000Z", nullptr),
        DoneIssue("ENG-6", "ada@example.com", "Checkout", "2025-02-19T09:00:00.000Z",
                  "2025-02-20T09:00:00.000Z", "2025-03-05T09:00:00.000Z", 5),
        LinearIssue("ENG-5", {{"state", State("started")},
                              {"startedAt", "2025-03-20T09:00:00.000Z"}}),
    };
    for (const json::object& issue : issues) {
      auto r = linear.Send(issue);
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }
  HttpResponse Stats(const std::string& body, const std::string& query = "") {
    return HttpClient(server_->port())
        .Post("/api/v1/ticketing/stats" + query, body, {{"Content-Type", "application/json"}});
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

constexpr const char* kRange =
    R"({"from":"2025-03-01T00:00:00.000Z","to":"2025-05-01T00:00:00.000Z",)"
    R"("unhash_actors":["ada@example.com"]})";

TEST_F(TicketingStatsTest, JsonIsTheOriginalsShapeWithHandComputedFigures) {
  auto r = Stats(kRange);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value o = r.Json();
  EXPECT_EQ(o.at("from"), "2025-03-01T00:00:00.000Z");
  EXPECT_EQ(o.at("to"), "2025-05-01T00:00:00.000Z");
  const json::object& summary = o.at("summary").as_object();
  ASSERT_EQ(summary.size(), 2u);

  const json::object& march = summary.at("2025-03-01").at("by_actor").as_object();
  ASSERT_EQ(march.size(), 1u);
  const json::value& ada = march.at("ada@example.com");
  EXPECT_EQ(ada.at("actor_monthly_ticket_count").as_int64(), 2);
  EXPECT_EQ(ada.at("actor_monthly_estimation").as_int64(), 5);
  EXPECT_EQ(ada.at("actor_monthly_time").as_int64(), 6 * 3600 + 24 * 3600);
  const json::value& checkout = ada.at("projects").at("Checkout");
  EXPECT_EQ(checkout.at("actor_monthly_project_ticket_count").as_int64(), 1);
  EXPECT_DOUBLE_EQ(checkout.at("actor_monthly_project_ticket_percent").as_double(), 0.5);
  EXPECT_EQ(checkout.at("sum_month_project_estimation").as_int64(), 3);
  EXPECT_DOUBLE_EQ(checkout.at("percent_month_project_estimation").as_double(), 0.6);
  EXPECT_EQ(checkout.at("sum_month_project_time_spent_seconds").as_int64(), 21600);
  EXPECT_DOUBLE_EQ(checkout.at("percent_month_project_time_spent_seconds").as_double(), 0.2);
  EXPECT_DOUBLE_EQ(
      ada.at("projects").at("Search").at("percent_month_project_time_spent_seconds").as_double(),
      0.8);

  const json::object& april = summary.at("2025-04-01").at("by_actor").as_object();
  ASSERT_EQ(april.size(), 2u);
  EXPECT_EQ(april.at("no-actor").at("actor_monthly_time").as_int64(), 23 * 86400);
  const json::value& grace = april.at(kGraceHash);  // not in unhash_actors: its hash
  EXPECT_EQ(grace.at("actor_monthly_estimation").as_int64(), 0);
  EXPECT_TRUE(
      grace.at("projects").at("Checkout").at("percent_month_project_estimation").is_null());
}

TEST_F(TicketingStatsTest, CsvIsRfc4180WithTheOriginalsColumns) {
  auto r = Stats(kRange, "?format=csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.body,
            "actor_monthly_ticket_count,actor_monthly_project_ticket_count,"
            "actor_monthly_project_ticket_percent,actor_hash,actor_monthly_estimation,"
            "actor_monthly_time,project_id,month,sum_month_project_estimation,"
            "percent_month_project_estimation,sum_month_project_time_spent_seconds,"
            "percent_month_project_time_spent_seconds\r\n"
            "2,1,0.5,ada@example.com,5,108000,Checkout,2025-03-01,3,0.6,21600,0.2\r\n"
            "2,1,0.5,ada@example.com,5,108000,Search,2025-03-01,2,0.4,86400,0.8\r\n"
            "1,1,1,no-actor,8,1987200,Checkout,2025-04-01,8,1,1987200,1\r\n"
            "1,1,1,tTPUVH6qWg+pVZZaHKOTzNLqATAyoQVybyMutBvdxPo=,0,1800,Checkout,2025-04-01,0,,"
            "1800,1\r\n");
  // JSON explicitly, as the original's default.
  EXPECT_EQ(Stats(kRange, "?format=json").Json().at("from"), "2025-03-01T00:00:00.000Z");
}

// The original's defaults: from the first day of the month six months ago to the first day of
// this month. The delivered tickets are older: nothing in range.
TEST_F(TicketingStatsTest, AnEmptyBodyTakesTheDefaultRange) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  int month = utc.tm_year * 12 + utc.tm_mon - 6;  // months since 1900-01
  char from[32];
  std::snprintf(from, sizeof from, "%04d-%02d-01T00:00:00.000Z", 1900 + month / 12,
                month % 12 + 1);
  month += 6;
  char to[32];
  std::snprintf(to, sizeof to, "%04d-%02d-01T00:00:00.000Z", 1900 + month / 12, month % 12 + 1);
  auto r = Stats("");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("from"), from);
  EXPECT_EQ(r.Json().at("to"), to);
  EXPECT_TRUE(r.Json().at("summary").as_object().empty());
  // CSV with nothing in range: the header line alone.
  auto csv = Stats("{}", "?format=csv");
  EXPECT_EQ(csv.body.find("\r\n"), csv.body.size() - 2) << csv.body;
}

TEST_F(TicketingStatsTest, BadRequestsAre400NamingTheField) {
  auto bad_email = Stats(R"({"unhash_actors":["ada@example.com","not an address"]})");
  EXPECT_EQ(bad_email.status, 400);
  EXPECT_NE(bad_email.body.find("unhash_actors[1]"), std::string::npos) << bad_email.body;
  EXPECT_EQ(Stats(R"({"unhash_actors":[]})").status, 400);
  auto bad_date = Stats(R"({"from":"March"})");
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_NE(bad_date.body.find("from"), std::string::npos);
  auto backwards = Stats(R"({"from":"2025-05-01T00:00:00.000Z","to":"2025-03-01T00:00:00.000Z"})");
  EXPECT_EQ(backwards.status, 400);
  EXPECT_NE(backwards.body.find("\"to\""), std::string::npos) << backwards.body;
  auto format = Stats("{}", "?format=xml");
  EXPECT_EQ(format.status, 400);
  EXPECT_NE(format.body.find("format"), std::string::npos);
  EXPECT_EQ(Stats("{}", "?fromat=csv").status, 400);
  EXPECT_EQ(Stats("[1]").status, 400);
}

TEST_F(TicketingStatsTest, TicketsAreListedAndFiltered) {
  HttpClient c(server_->port());
  auto all = c.Get("/api/v1/tickets");
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(all.Json().as_array().size(), 6u);
  EXPECT_EQ(all.Json().as_array()[0].at("id"), "ENG-6");  // oldest created first
  auto done = c.Get("/api/v1/tickets?status=DONE&project_id=Checkout");
  ASSERT_EQ(done.status, 200);
  EXPECT_EQ(done.Json().as_array().size(), 4u);
  auto csv = c.Get("/api/v1/tickets?status=DOING&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.rfind("id,team_id,project_id,created_at,", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find("\r\nENG-5,ENG,Checkout,"), std::string::npos) << csv.body;
  EXPECT_EQ(c.Get("/api/v1/tickets?status=done").status, 400);
  EXPECT_EQ(c.Get("/api/v1/tickets/ENG-404").status, 404);
  EXPECT_EQ(c.Get("/api/v1/tickets/ENG-2").Json().at("actor_hash"), kAdaHash);
}

}  // namespace
}  // namespace emm::e2e
