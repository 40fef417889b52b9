#include "api/dto/cdevents_json.h"

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

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(EMM_TESTDATA) + "/cdevents/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

using emm::testing::FieldNames;

http::Request Binary(std::string body, std::string id = "A234-1234-1234") {
  http::Request r;
  r.headers = {{"ce-specversion", "1.0"},
               {"CE-Id", std::move(id)},
               {"ce-source", "/staging%20tekton/"},
               {"ce-type", "dev.cdevents.service.deployed.0.2.0"},
               {"Content-Type", "application/json; charset=utf-8"}};
  r.body = std::move(body);
  return r;
}

TEST(ReadCloudEventTest, BinaryModeTakesTheHeadersAndTheBodyAsData) {
  auto e = ReadCloudEvent(Binary(Fixture("service_deployed_v0.4.json")));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->id, "A234-1234-1234");
  EXPECT_EQ(e->source, "/staging tekton/");  // percent-decoded, as the HTTP binding encodes
  EXPECT_EQ(e->type, "dev.cdevents.service.deployed.0.2.0");
  EXPECT_TRUE(e->data.contains("context"));
}

TEST(ReadCloudEventTest, StructuredModeTakesTheAttributesFromTheBody) {
  json::object envelope{{"specversion", "1.0"},
                        {"id", "e-1"},
                        {"source", "/event/source/123"},
                        {"type", "dev.cdevents.service.rolledback.0.3.0"},
                        {"datacontenttype", "application/json"},
                        {"data", json::parse(Fixture("service_rolledback_v0.5.json"))}};
  http::Request r;
  r.headers = {{"Content-Type", "application/cloudevents+json; charset=UTF-8"}};
  r.body = json::serialize(envelope);
  auto e = ReadCloudEvent(r);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->id, "e-1");
  EXPECT_EQ(e->source, "/event/source/123");
  EXPECT_EQ(e->type, "dev.cdevents.service.rolledback.0.3.0");
  EXPECT_TRUE(e->data.contains("subject"));
}

TEST(ReadCloudEventTest, MissingAttributesAreEachNamed) {
  http::Request bare;
  bare.body = Fixture("service_deployed_v0.4.json");
  EXPECT_EQ(FieldNames(ReadCloudEvent(bare).status()),
            (std::vector<std::string>{"ce-specversion", "ce-id", "ce-source", "ce-type"}));
  http::Request old = Binary("{}");
  old.headers[0].second = "0.3";
  EXPECT_EQ(FieldNames(ReadCloudEvent(old).status()), std::vector<std::string>{"ce-specversion"});

  http::Request structured;
  structured.headers = {{"Content-Type", "application/cloudevents+json"}};
  structured.body = R"({"specversion":"1.0","type":"x","data_base64":"e30="})";
  EXPECT_EQ(FieldNames(ReadCloudEvent(structured).status()),
            (std::vector<std::string>{"id", "source", "data_base64", "data"}));
}

TEST(ReadCloudEventTest, OtherBodiesAreRefusedNamingContentType) {
  http::Request batch = Binary("[]");
  batch.headers.back().second = "application/cloudevents-batch+json";
  EXPECT_EQ(FieldNames(ReadCloudEvent(batch).status()), std::vector<std::string>{"Content-Type"});
  http::Request text = Binary("hello");
  text.headers.back().second = "text/plain";
  EXPECT_EQ(FieldNames(ReadCloudEvent(text).status()), std::vector<std::string>{"Content-Type"});
  EXPECT_EQ(ReadCloudEvent(Binary("not json")).status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseCdEventTypeTest, PartsOfACdEventType) {
  auto t = ParseCdEventType("dev.cdevents.service.rolledback.0.3.0");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->subject, "service");
  EXPECT_EQ(t->predicate, "rolledback");
  EXPECT_EQ(t->version, "0.3.0");
  for (const char* other : {"com.github.pull_request.opened", "dev.cdevents.service",
                            "dev.cdevents.service.deployed", "dev.cdevents.service.deployed.",
                            "dev.cdevents..deployed.0.1.0", ""}) {
    EXPECT_FALSE(ParseCdEventType(other)) << other;
  }
}

TEST(ReadCdEventTest, ContextSubjectAndLinks) {
  auto e = ReadCdEvent(json::parse(Fixture("incident_detected_v0.4.json")).as_object(),
                       "dev.cdevents.incident.detected.0.2.0");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->context_id, "F4BD2B55-B6F6-4F44-AF72-BD2D0E7A8708");
  EXPECT_EQ(e->timestamp, *ParseTimestamp("2023-03-20T14:57:05Z"));
  EXPECT_EQ(e->chain_id, std::nullopt);
  EXPECT_EQ(e->linked_ids, std::vector<std::string>{"271069a8-fc18-44f1-b38f-9d70a1695819"});
  EXPECT_EQ(e->subject_id, "incident-123");
  EXPECT_EQ(e->environment, "production");
  EXPECT_EQ(e->service_id, "myapp");
  EXPECT_EQ(e->repository_id, std::nullopt);
  EXPECT_NE(e->artifact_id, std::nullopt);
}

TEST(ReadCdEventTest, RelationTargetsComeBeforePathSources) {
  json::object data = json::parse(Fixture("service_deployed_v0.4.json")).as_object();
  data["context"].as_object()["links"] = json::parse(
      R"([{"linkType":"PATH","from":{"contextId":"p"}},{"linkType":"END","from":{"contextId":"e"}},)"
      R"({"linkType":"RELATION","linkKind":"TRIGGER","target":{"contextId":"r"}}])");
  auto e = ReadCdEvent(data, "dev.cdevents.service.deployed.0.2.0");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->linked_ids, (std::vector<std::string>{"r", "p", "e"}));
  EXPECT_EQ(e->chain_id, "4c8cb7dd-3448-41de-8768-eec704e2829b");
}

TEST(ReadCdEventTest, TicketFields) {
  json::object data = json::parse(Fixture("ticket_closed_v0.4.json")).as_object();
  auto e = ReadCdEvent(data, "dev.cdevents.ticket.closed.0.1.0");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->subject_id, "ticket-123");
  EXPECT_EQ(e->group, "security");
  EXPECT_EQ(e->ticket_type, "task");
  EXPECT_EQ(e->assignee, "Bob");
  EXPECT_EQ(e->resolution, "completed");
  data["subject"].as_object()["content"].as_object()["assignees"] = "Bob";
  EXPECT_EQ(FieldNames(ReadCdEvent(data, "dev.cdevents.ticket.closed.0.1.0").status()),
            std::vector<std::string>{"subject.content.assignees"});
  data["subject"].as_object()["content"].as_object()["assignees"] = json::array{7};
  EXPECT_EQ(FieldNames(ReadCdEvent(data, "dev.cdevents.ticket.closed.0.1.0").status()),
            std::vector<std::string>{"subject.content.assignees[0]"});
}

TEST(ReadCdEventTest, ErrorsNameTheirPath) {
  EXPECT_EQ(FieldNames(ReadCdEvent(json::object{}, "t").status()),
            (std::vector<std::string>{"context", "subject"}));
  json::object data = json::parse(Fixture("service_deployed_v0.4.json")).as_object();
  json::object& context = data["context"].as_object();
  context.erase("id");
  context["timestamp"] = "2023-03-20 14:27:05";
  context["links"] = json::parse(R"([5,{"linkType":"RELATION","target":{"contextId":[]}}])");
  data["subject"].as_object()["content"].as_object()["environment"] = "production";
  EXPECT_EQ(FieldNames(ReadCdEvent(data, "dev.cdevents.service.upgraded.0.2.0").status()),
            (std::vector<std::string>{"context.id", "context.timestamp", "context.type",
                                      "context.links[0]", "context.links[1].target.contextId",
                                      "subject.content.environment"}));
}

}  // namespace
}  // namespace emm::api::dto
