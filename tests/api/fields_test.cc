#include "api/dto/fields.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/dto/events_json.h"
#include "testing/field_names.h"

namespace emm::api::dto {
namespace {

namespace json = boost::json;

constexpr TimeMs kT0 = 1714557600000;  // 2024-05-01T10:00:00Z

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

using emm::testing::FieldNames;

// --- ParseBodyObject ---

TEST(ParseBodyObjectTest, EmptyOrWhitespaceBodyIsAnEmptyObject) {
  for (std::string_view body : {"", " ", "\r\n\t  \n"}) {
    auto r = ParseBodyObject(body);
    ASSERT_TRUE(r.ok()) << "'" << body << "'";
    EXPECT_TRUE(r->empty());
  }
}

TEST(ParseBodyObjectTest, ObjectBody) {
  auto r = ParseBodyObject(R"( {"id": "d1", "n": 2} )");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at("id").as_string(), "d1");
  EXPECT_EQ(r->size(), 2u);
}

TEST(ParseBodyObjectTest, NonObjectsAreRejectedAsBody) {
  for (std::string_view body : {"[]", "5", "nope", "\"text\"", "null", "{", "{\"a\":1}x"}) {
    auto r = ParseBodyObject(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"body"}) << body;
  }
}

TEST(ParseBodyObjectTest, MessageSaysWhatWasSent) {
  auto r = ParseBodyObject("[1]");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("an array"), std::string::npos) << r.status().message();
}

// --- FieldReader::Id ---

TEST(FieldReaderTest, StringId) {
  json::object o = Obj(R"({"id":"abc-1"})");
  FieldReader r(o);
  EXPECT_EQ(r.Id("id", true), "abc-1");
  EXPECT_TRUE(r.ok());
}

TEST(FieldReaderTest, IntegerIdBecomesItsDecimalString) {
  json::object o = Obj(R"({"a":42,"b":-7,"c":18446744073709551615,"d":0})");
  FieldReader r(o);
  EXPECT_EQ(r.Id("a", true), "42");
  EXPECT_EQ(r.Id("b", true), "-7");
  EXPECT_EQ(r.Id("c", true), "18446744073709551615");
  EXPECT_EQ(r.Id("d", true), "0");
  EXPECT_TRUE(r.ok());
}

TEST(FieldReaderTest, NullIsAbsent) {
  json::object o = Obj(R"({"id":null,"t":null,"b":null})");
  FieldReader r(o);
  EXPECT_EQ(r.Id("id", false), std::nullopt);
  EXPECT_EQ(r.Time("t", false), std::nullopt);
  EXPECT_EQ(r.Bool("b", false), std::nullopt);
  EXPECT_TRUE(r.ok());
}

TEST(FieldReaderTest, RequiredNullOrMissingIsAnError) {
  json::object o = Obj(R"({"id":null})");
  FieldReader r(o);
  EXPECT_EQ(r.Id("id", true), std::nullopt);
  EXPECT_EQ(r.Time("missing", true), std::nullopt);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(FieldNames(r.status()), (std::vector<std::string>{"id", "missing"}));
  EXPECT_EQ(r.status().fields()[0].message, "is required");
}

TEST(FieldReaderTest, NonStringIdsAreErrorsNamingTheField) {
  for (std::string_view value : {"{\"x\":1}", "[\"a\"]", "true", "1.5"}) {
    json::object o = Obj("{\"project_id\":" + std::string(value) + "}");
    FieldReader r(o);
    EXPECT_EQ(r.Id("project_id", false), std::nullopt) << value;
    ASSERT_FALSE(r.ok()) << value;
    EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"project_id"}) << value;
    EXPECT_NE(r.status().message().find("must be a string"), std::string::npos);
  }
}

TEST(FieldReaderTest, EmptyStringIdIsAnError) {
  json::object o = Obj(R"({"id":""})");
  FieldReader r(o);
  EXPECT_EQ(r.Id("id", false), std::nullopt);
  EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"id"});
}

TEST(FieldReaderTest, ControlCharactersAreAnError) {
  for (std::string_view value : {R"("a\nb")", R"("\u0000")", R"("tab\there")", R"("del\u007f")"}) {
    json::object o = Obj("{\"id\":" + std::string(value) + "}");
    FieldReader r(o);
    EXPECT_EQ(r.Id("id", true), std::nullopt) << value;
    EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"id"}) << value;
  }
}

TEST(FieldReaderTest, UnicodeIsFine) {
  json::object o = Obj(R"({"id":"déploiement-✓"})");
  FieldReader r(o);
  EXPECT_EQ(r.Id("id", true), "déploiement-✓");
  EXPECT_TRUE(r.ok());
}

TEST(FieldReaderTest, LengthLimit) {
  json::object o;
  o["ok"] = std::string(256, 'a');
  o["long"] = std::string(257, 'a');
  o["short"] = "abcdef";
  FieldReader r(o);
  EXPECT_EQ(r.Id("ok", true), std::string(256, 'a'));
  EXPECT_EQ(r.Id("long", true), std::nullopt);
  EXPECT_EQ(r.Id("short", true, 5), std::nullopt);
  EXPECT_EQ(FieldNames(r.status()), (std::vector<std::string>{"long", "short"}));
}

// --- FieldReader::Bool ---

TEST(FieldReaderTest, Booleans) {
  json::object o = Obj(R"({"a":true,"b":false,"c":"true","d":"false"})");
  FieldReader r(o);
  EXPECT_EQ(r.Bool("a", true), true);
  EXPECT_EQ(r.Bool("b", true), false);
  EXPECT_EQ(r.Bool("c", true), true);
  EXPECT_EQ(r.Bool("d", true), false);
  EXPECT_TRUE(r.ok());
}

TEST(FieldReaderTest, OtherBooleanSpellingsAreErrors) {
  for (std::string_view value : {R"("TRUE")", R"("yes")", "1", "0", R"("")", "{}"}) {
    json::object o = Obj("{\"flag\":" + std::string(value) + "}");
    FieldReader r(o);
    EXPECT_EQ(r.Bool("flag", true), std::nullopt) << value;
    EXPECT_EQ(FieldNames(r.status()), std::vector<std::string>{"flag"}) << value;
  }
}

// --- FieldReader::Time ---

TEST(FieldReaderTest, Times) {
  json::object o = Obj(R"({"a":"2024-05-01T10:00:00Z","b":"2024-05-01T12:00:00.250+02:00",)"
                       R"("c":"2024-05-01"})");
  FieldReader r(o);
  EXPECT_EQ(r.Time("a", true), kT0);
  EXPECT_EQ(r.Time("b", true), kT0 + 250);
  // A plain date is its UTC midnight (as the original's `new Date("2024-05-01")`).
  EXPECT_EQ(r.Time("c", true), kT0 - 10 * 3600 * 1000);
  EXPECT_TRUE(r.ok());
}

TEST(FieldReaderTest, RubyTimesOnlyWhereAsked) {
  json::object o = Obj(R"({"a":"2024-05-01 12:00:00 +0200","b":"2024-05-01 10:00:00 UTC"})");
  FieldReader gitlab(o);
  EXPECT_EQ(gitlab.Time("a", true, TimeText::kRfc3339OrRuby), kT0);
  EXPECT_EQ(gitlab.Time("b", true, TimeText::kRfc3339OrRuby), kT0);
  EXPECT_TRUE(gitlab.ok());
  FieldReader api(o);
  EXPECT_EQ(api.Time("a", true), std::nullopt);
  EXPECT_EQ(api.Time("b", true), std::nullopt);
  EXPECT_EQ(FieldNames(api.status()), (std::vector<std::string>{"a", "b"}));
}

TEST(FieldReaderTest, BadDatesNameTheField) {
  json::object o = Obj(R"({"a":"2024-13-01T10:00:00Z","b":"2024-02-30","c":1714557600000,)"
                       R"("d":"2024-05-01T10:00:00"})");
  FieldReader r(o);
  EXPECT_EQ(r.Time("a", false), std::nullopt);
  EXPECT_EQ(r.Time("b", false), std::nullopt);
  EXPECT_EQ(r.Time("c", false), std::nullopt);
  EXPECT_EQ(r.Time("d", false), std::nullopt);  // no zone: which instant would depend on ours
  EXPECT_EQ(FieldNames(r.status()), (std::vector<std::string>{"a", "b", "c", "d"}));
  // The message quotes what was sent.
  EXPECT_NE(r.status().fields()[0].message.find("\"2024-13-01T10:00:00Z\""), std::string::npos);
}

TEST(FieldReaderTest, NumbersAreAnyJsonNumber) {
  json::object o = Obj(R"({"i":3,"d":0.5,"s":"3","n":null})");
  FieldReader r(o);
  EXPECT_EQ(r.Number("i", true), 3);
  EXPECT_EQ(r.Number("d", true), 0.5);
  EXPECT_EQ(r.Number("n", false), std::nullopt);
  EXPECT_EQ(r.Number("s", false), std::nullopt);
  EXPECT_EQ(FieldNames(r.status()), (std::vector<std::string>{"s"}));
}

TEST(FieldReaderTest, LongBadDatesAreQuotedTruncated) {
  json::object o;
  o["t"] = std::string(1000, 'x');
  FieldReader r(o);
  EXPECT_EQ(r.Time("t", true), std::nullopt);
  ASSERT_FALSE(r.ok());
  const Status status = r.status();
  ASSERT_EQ(status.fields().size(), 1u);
  const std::string& msg = status.fields()[0].message;
  EXPECT_NE(msg.find(std::string(64, 'x')), std::string::npos);
  EXPECT_EQ(msg.find(std::string(65, 'x')), std::string::npos);
}

// --- DTOs ---

TEST(ToNewDeploymentTest, ValidBody) {
  auto r =
      ToNewDeployment(Obj(R"({"id":123,"project_id":"p",)"
                          R"("first_commit_at":"2024-05-01T10:00:00Z","username":"alice",)"
                          R"("environment":"staging","deploy_start_at":"2024-05-01T11:00:00Z",)"
                          R"("unknown":{"ignored":true}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "123");
  EXPECT_EQ(r->project_id, "p");
  EXPECT_EQ(r->first_commit_at, kT0);
  EXPECT_EQ(r->username, "alice");
  EXPECT_EQ(r->environment, "staging");
  EXPECT_EQ(r->deploy_start_at, kT0 + 3600000);
  EXPECT_EQ(r->deployed_at, std::nullopt);
}

TEST(ToNewDeploymentTest, OptionalFieldsMayBeAbsent) {
  auto r = ToNewDeployment(
      Obj(R"({"id":"d","project_id":"p","first_commit_at":"2024-05-01T10:00:00Z"})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->username, "");
  EXPECT_EQ(r->environment, std::nullopt);
  EXPECT_EQ(r->deploy_start_at, std::nullopt);
}

TEST(ToNewDeploymentTest, MissingRequiredFieldsAreAllReported) {
  auto r = ToNewDeployment(json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldNames(r.status()), (std::vector<std::string>{"id", "project_id", "first_commit_at"}));
}

TEST(ToNewDeploymentTest, CollectsAllErrorsAtOnce) {
  auto r = ToNewDeployment(Obj(R"({"id":"","project_id":{"a":1},"first_commit_at":"yesterday",)"
                               R"("username":[1],"environment":"bad\u0001env","deploy_start_at":5,)"
                               R"("deployed_at":"2024-02-30T00:00:00Z"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FieldNames(r.status()),
            (std::vector<std::string>{"id", "project_id", "first_commit_at", "username",
                                      "environment", "deploy_start_at", "deployed_at"}));
}

TEST(ToMarkDeployedTest, CreateFlagIsRequiredAndAcceptsStrings) {
  auto missing = ToMarkDeployed(json::object(), "d1");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FieldNames(missing.status()), std::vector<std::string>{"create_if_not_exists"});

  auto r = ToMarkDeployed(Obj(R"({"create_if_not_exists":"true","project_id":7,
      "first_commit_at":"2024-05-01T10:00:00Z"})"),
                          "d1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "d1");
  EXPECT_TRUE(r->create_if_not_exists);
  EXPECT_EQ(r->project_id, "7");
  EXPECT_EQ(r->first_commit_at, kT0);
  EXPECT_EQ(r->deploy_start_at, std::nullopt);
  EXPECT_EQ(r->deployed_at, std::nullopt);
}

TEST(ToNewIncidentTest, ProjectIsRequiredOthersOptional) {
  auto missing = ToNewIncident(Obj(R"({"started_at":"nope"})"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FieldNames(missing.status()), (std::vector<std::string>{"project_id", "started_at"}));

  auto r = ToNewIncident(Obj(R"({"project_id":"p","deployment_id":99,
      "finished_at":"2024-05-01T10:00:00Z"})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->project_id, "p");
  EXPECT_EQ(r->deployment_id, "99");
  EXPECT_EQ(r->id, std::nullopt);
  EXPECT_EQ(r->finished_at, kT0);
  EXPECT_EQ(r->started_at, std::nullopt);
}

TEST(ToIncidentTransitionTest, DateIsOptional) {
  auto none = ToIncidentTransition(json::object(), "i1");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->id, "i1");
  EXPECT_EQ(none->date, std::nullopt);
  auto bad = ToIncidentTransition(Obj(R"({"date":"2024-05-01T25:00:00Z"})"), "i1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FieldNames(bad.status()), std::vector<std::string>{"date"});
}

TEST(ToJsonTest, DeploymentKeysAndNulls) {
  domain::Deployment d;
  d.id = "d1";
  d.project_id = "p";
  d.environment = "production";
  d.first_commit_at = kT0;
  d.deploy_start_at = kT0 + 1;
  json::object o = ToJson(d);
  EXPECT_EQ(json::serialize(o),
            R"({"id":"d1","project_id":"p","first_commit_at":"2024-05-01T10:00:00.000Z",)"
            R"("deploy_start_at":"2024-05-01T10:00:00.001Z","deployed_at":null,)"
            R"("status":"started","environment":"production","team_id":null,)"
            R"("kind":"planned","commit_sha":null})");
  d.team_id = "t";
  d.kind = domain::DeploymentKind::kRollback;
  d.commit_sha = "abc123";
  d.deployed_at = kT0 + 2;
  d.status = domain::DeploymentStatus::kDeployed;
  o = ToJson(d);
  EXPECT_EQ(o.at("team_id").as_string(), "t");
  EXPECT_EQ(o.at("status").as_string(), "deployed");
  EXPECT_EQ(o.at("deployed_at").as_string(), "2024-05-01T10:00:00.002Z");
  EXPECT_EQ(o.at("kind").as_string(), "rollback");
  EXPECT_EQ(o.at("commit_sha").as_string(), "abc123");
}

TEST(ToJsonTest, IncidentKeysAndNulls) {
  domain::Incident i;
  i.id = "i1";
  i.project_id = "p";
  i.environment = "e";
  i.started_at = kT0;
  json::object o = ToJson(i);
  EXPECT_EQ(json::serialize(o),
            R"({"id":"i1","project_id":"p","deployment_id":null,)"
            R"("started_at":"2024-05-01T10:00:00.000Z","restored_at":null,"finished_at":null,)"
            R"("environment":"e","team_id":null})");
  i.deployment_id = "d1";
  i.restored_at = kT0;
  o = ToJson(i);
  EXPECT_EQ(o.at("deployment_id").as_string(), "d1");
  EXPECT_EQ(o.at("restored_at").as_string(), "2024-05-01T10:00:00.000Z");
}

TEST(FieldReaderTest, NestedObjectsAndTheirErrorsNameTheWholePath) {
  json::object o = Obj(R"({"event":{"id":"e1","data":{"created_at":"yesterday"},"agent":7}})");
  FieldReader top(o);
  const json::object* event = top.Object("event", true);
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(top.Object("missing", false), nullptr);
  EXPECT_TRUE(top.ok());
  FieldReader ev(*event, "event");
  EXPECT_EQ(ev.Id("id", true), "e1");
  EXPECT_EQ(ev.Object("agent", false), nullptr);  // not an object
  const json::object* data = ev.Object("data", true);
  ASSERT_NE(data, nullptr);
  FieldReader d(*data, "event.data");
  EXPECT_EQ(d.Time("created_at", true), std::nullopt);
  EXPECT_EQ(d.Id("id", true), std::nullopt);
  EXPECT_EQ(FieldNames(ev.status()), (std::vector<std::string>{"event.agent"}));
  EXPECT_EQ(FieldNames(d.status()), (std::vector<std::string>{"event.data.created_at", "event.data.id"}));
  FieldReader none(o);
  EXPECT_EQ(none.Object("nope", true), nullptr);
  EXPECT_EQ(FieldNames(none.status()), (std::vector<std::string>{"nope"}));
}

}  // namespace
}  // namespace emm::api::dto
