// Tickets at the API's edge: a Linear Issue delivery (tests/testdata/linear) read into the
// upsert, field errors named by path, the stats request's defaults and refusals, and the stats as
// the original's JSON and as CSV, every figure worked out by hand.
#include "api/dto/tickets_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "testing/field_names.h"

namespace emm::api::dto {
namespace {

namespace json = boost::json;
using domain::TicketStatus;

constexpr TimeMs kHour = 3600000, kDay = 24 * kHour;
constexpr TimeMs kMay1 = 1714521600000;   // 2024-05-01T00:00:00Z
constexpr TimeMs kJune1 = 1717200000000;  // 2024-06-01T00:00:00Z
const char* const kTypeGroup = "f6e5d4c3-b2a1-4f0e-9d8c-7b6a5f4e3d2c";
const char* const kFrontendLabel = "d4c3b2a1-0f9e-4d8c-b7a6-5f4e3d2c1b0a";

json::object Data(const std::string& fixture) {
  std::ifstream in(std::string(EMM_TESTDATA) + "/linear/" + fixture, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str()).as_object().at("data").as_object();
}

using emm::testing::FieldNames;

TEST(ToTicketUpdateTest, AnIssueDeliveryIsTheOriginalsFieldMapping) {
  domain::TicketingOptions options;
  options.ticket_type_selector = domain::TicketTypeSelector{kTypeGroup, {}};
  auto u = ToTicketUpdate(Data("issue-create.json"), options);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->id, "ENG-42");
  EXPECT_EQ(u->external_id, "0f3c7a52-8c1d-4e0b-a1d4-6d2b9e7f5a11");
  EXPECT_EQ(u->team_id, "ENG");
  EXPECT_EQ(u->project_id, "Checkout");
  EXPECT_EQ(FormatTimestamp(u->created_at), "2025-03-03T09:15:27.318Z");
  EXPECT_EQ(FormatTimestamp(*u->updated_at), "2025-03-03T09:15:27.318Z");
  EXPECT_FALSE(u->started_at);
  EXPECT_FALSE(u->finished_at);
  EXPECT_FALSE(u->parent_ticket_id);
  EXPECT_EQ(u->status, TicketStatus::kBacklog);
  EXPECT_EQ(u->estimation, 3);
  EXPECT_EQ(u->actor_hash, "tfyF5VdV+eDQMKEKtEKbaylEhV+aDWAHf+gyvsvEHXI=");  // ada@example.com
  EXPECT_EQ(u->ticket_type, "Bug");  // the label in the Type group
  EXPECT_TRUE(u->skip_parents);

  auto done = ToTicketUpdate(Data("issue-update-completed.json"), options);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, TicketStatus::kDone);
  EXPECT_EQ(FormatTimestamp(*done->started_at), "2025-03-04T08:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(*done->finished_at), "2025-03-05T16:40:02.911Z");
  EXPECT_EQ(done->estimation, 5);
}

TEST(ToTicketUpdateTest, TicketTypeFromTheAllowListOrUnknown) {
  domain::TicketingOptions options;
  EXPECT_EQ(ToTicketUpdate(Data("issue-create.json"), options)->ticket_type, "unknown");
  options.ticket_type_selector = domain::TicketTypeSelector{std::nullopt, {kFrontendLabel}};
  options.ignore_parent_issues = false;
  auto u = ToTicketUpdate(Data("issue-create.json"), options);
  EXPECT_EQ(u->ticket_type, "frontend");
  EXPECT_FALSE(u->skip_parents);
}

// Without a project, an assignee or labels (the original answered 500 without a project).
TEST(ToTicketUpdateTest, AnIssueWithoutProjectOrAssigneeIsKept) {
  json::object data = Data("issue-create.json");
  data["project"] = nullptr;
  data.erase("assignee");
  data.erase("labels");
  data["parentId"] = "7c6b5a4f-0000-4000-8000-000000000001";
  auto u = ToTicketUpdate(data, {});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->project_id, "");
  EXPECT_EQ(u->actor_hash, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");  // the hash of ""
  EXPECT_EQ(u->parent_ticket_id, "7c6b5a4f-0000-4000-8000-000000000001");
}

TEST(ToTicketUpdateTest, StateTypesMapToTheOriginalsStatuses) {
  const std::pair<const char*, TicketStatus> cases[] = {
      {"triage", TicketStatus::kBacklog},  {"backlog", TicketStatus::kBacklog},
      {"unstarted", TicketStatus::kTodo},  {"started", TicketStatus::kDoing},
      {"completed", TicketStatus::kDone},  {"canceled", TicketStatus::kCanceled},
      {"duplicate", TicketStatus::kUnknown}};
  for (const auto& [type, status] : cases) {
    json::object data = Data("issue-create.json");
    data["state"].as_object()["type"] = type;
    EXPECT_EQ(ToTicketUpdate(data, {})->status, status) << type;
  }
}

TEST(ActorHashTest, IsTheOriginalsBase64Sha256) {
  EXPECT_EQ(ActorHash(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(ActorHash("ada@example.com"), "tfyF5VdV+eDQMKEKtEKbaylEhV+aDWAHf+gyvsvEHXI=");
}

TEST(ToTicketUpdateTest, EveryBadFieldIsNamedByItsPath) {
  json::object data = Data("issue-create.json");
  data.erase("identifier");
  data["createdAt"] = "last tuesday";
  data["estimate"] = "three";
  data.erase("state");
  data["labels"].as_array()[1].as_object().erase("name");
  auto u = ToTicketUpdate(data, {});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldNames(u.status()),
            (std::vector<std::string>{"data.identifier", "data.createdAt", "data.estimate",
                                      "data.state.type", "data.labels[1].name"}));
}

// --- the stats request ---

TEST(ToTicketStatsRequestTest, DefaultsAreTheSixMonthsBeforeThisOne) {
  const TimeMs now = 1723726800000;  // 2024-08-15T13:00:00Z
  auto r = ToTicketStatsRequest({}, now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatTimestamp(r->from), "2024-02-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(r->to), "2024-08-01T00:00:00.000Z");
  // `to` follows a given `from`.
  r = ToTicketStatsRequest(json::parse(R"({"from":"2023-11-15T08:30:00.000Z"})").as_object(), now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatTimestamp(r->to), "2024-05-15T08:30:00.000Z");
  r = ToTicketStatsRequest(
      json::parse(R"({"from":"2024-01-01T00:00:00.000Z","to":"2024-03-01T00:00:00.000Z",)"
                  R"("unhash_actors":["ada@example.com","grace.h@example.co.uk"]})")
          .as_object(),
      now);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(FormatTimestamp(r->to), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(r->unhash_actors,
            (std::vector<std::string>{"ada@example.com", "grace.h@example.co.uk"}));
}

TEST(ToTicketStatsRequestTest, RefusalsNameTheirField) {
  auto fields = [](std::string_view body) {
    auto r = ToTicketStatsRequest(json::parse(body).as_object(), kJune1);
    return r.ok() ? std::vector<std::string>{} : FieldNames(r.status());
  };
  EXPECT_EQ(fields(R"({"unhash_actors":[]})"), (std::vector<std::string>{"unhash_actors"}));
  EXPECT_EQ(fields(R"({"unhash_actors":"ada@example.com"})"),
            (std::vector<std::string>{"unhash_actors"}));
  EXPECT_EQ(fields(R"({"unhash_actors":["ada@example.com","nobody",3,"ada@example.com"]})"),
            (std::vector<std::string>{"unhash_actors[1]", "unhash_actors[2]",
                                      "unhash_actors[3]"}));
  EXPECT_EQ(fields(R"({"from":"2024-05-01T00:00:00Z","to":"2024-05-01T00:00:00Z"})"),
            (std::vector<std::string>{"to"}));
  EXPECT_EQ(fields(R"({"from":"May"})"), (std::vector<std::string>{"from"}));
}

// --- the stats out ---

domain::Ticket Done(std::string actor_email, std::string project, TimeMs start, TimeMs hours,
                    std::optional<double> estimate) {
  domain::Ticket t;
  t.actor_hash = ActorHash(actor_email);
  t.project_id = std::move(project);
  t.created_at = start - kDay;
  t.started_at = start;
  t.finished_at = start + hours;
  t.status = TicketStatus::kDone;
  t.current_estimation = estimate;
  return t;
}

// Ada in May: 2 h on web (estimate 3) and 4 h on api (1); nobody assigned: 30 min on web (2);
// Ada in June: 1 h on web, no estimate.
domain::TicketStats Example() {
  std::vector<domain::Ticket> tickets = {
      Done("ada@example.com", "web", kMay1 + kDay, 2 * kHour, 3),
      Done("ada@example.com", "api", kMay1 + 2 * kDay, 4 * kHour, 1),
      Done("", "web", kMay1 + 3 * kDay, kHour / 2, 2),
      Done("ada@example.com", "web", kJune1 + kDay, kHour, std::nullopt)};
  return domain::ComputeTicketStats(tickets, kMay1, kJune1 + 30 * kDay);
}

TEST(TicketStatsOutTest, CsvIsTheOriginalsColumnsAsRfc4180) {
  const std::string csv = TicketStatsCsv(Example(), ActorNames({"ada@example.com"}));
  EXPECT_EQ(csv,
            "actor_monthly_ticket_count,actor_monthly_project_ticket_count,"
            "actor_monthly_project_ticket_percent,actor_hash,actor_monthly_estimation,"
            "actor_monthly_time,project_id,month,sum_month_project_estimation,"
            "percent_month_project_estimation,sum_month_project_time_spent_seconds,"
            "percent_month_project_time_spent_seconds\r\n"
            // month, then project, then hash: "47DEQ..." (no-actor) before "tfyF..." (Ada).
            "2,1,0.5,ada@example.com,4,21600,api,2024-05-01,1,0.25,14400,0.6666666666666666\r\n"
            "1,1,1,no-actor,2,1800,web,2024-05-01,2,1,1800,1\r\n"
            "2,1,0.5,ada@example.com,4,21600,web,2024-05-01,3,0.75,7200,0.3333333333333333\r\n"
            "1,1,1,ada@example.com,0,3600,web,2024-06-01,0,,3600,1\r\n");
  // Not listed: the hash itself.
  const std::string hashed = TicketStatsCsv(Example(), ActorNames({}));
  EXPECT_NE(hashed.find(",tfyF5VdV+eDQMKEKtEKbaylEhV+aDWAHf+gyvsvEHXI=,"), std::string::npos);
  // No tickets: the header alone.
  EXPECT_EQ(TicketStatsCsv({}, ActorNames({})).find("\r\n") + 2,
            TicketStatsCsv({}, ActorNames({})).size());
}

TEST(TicketStatsOutTest, JsonIsTheOriginalsShape) {
  json::object o = TicketStatsJson(Example(), kMay1, kJune1 + 30 * kDay,
                                   ActorNames({"ada@example.com"}));
  EXPECT_EQ(o.at("from"), "2024-05-01T00:00:00.000Z");
  EXPECT_EQ(o.at("to"), "2024-07-01T00:00:00.000Z");
  const json::object& may = o.at("summary").at("2024-05-01").at("by_actor").as_object();
  ASSERT_EQ(may.size(), 2u);
  const json::object& ada = may.at("ada@example.com").as_object();
  EXPECT_EQ(ada.at("actor_monthly_time").as_int64(), 21600);
  EXPECT_EQ(ada.at("actor_monthly_estimation").as_int64(), 4);
  EXPECT_EQ(ada.at("actor_monthly_ticket_count").as_int64(), 2);
  const json::object& api = ada.at("projects").at("api").as_object();
  EXPECT_EQ(json::serialize(api),
            R"({"actor_monthly_project_ticket_count":1,"actor_monthly_project_ticket_percent":5E-1,)"
            R"("sum_month_project_estimation":1,"percent_month_project_estimation":2.5E-1,)"
            R"("sum_month_project_time_spent_seconds":14400,)"
            R"("percent_month_project_time_spent_seconds":6.666666666666666E-1})");
  EXPECT_EQ(may.at("no-actor").at("actor_monthly_time").as_int64(), 1800);
  const json::object& june = o.at("summary").at("2024-06-01").at("by_actor").as_object();
  EXPECT_TRUE(
      june.at("ada@example.com").at("projects").at("web").at("percent_month_project_estimation")
          .is_null());
}

}  // namespace
}  // namespace emm::api::dto
