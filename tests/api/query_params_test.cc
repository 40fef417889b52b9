#include "api/query_params.h"

#include <gtest/gtest.h>

#include <string>

namespace emm::api {
namespace {

// 2024-05-01T00:00:00Z
constexpr TimeMs kMay1 = 1714521600000;

std::string FieldOf(const Status& s) { return s.fields().empty() ? "" : s.fields()[0].field; }

TEST(RequireKnownTest, NamesEachUnknownParameterOnce) {
  constexpr std::string_view kKnown[] = {"from", "to"};
  EXPECT_TRUE(RequireKnown(Query::Parse("from=1&to=2&from=3"), kKnown).ok());
  Status s = RequireKnown(Query::Parse("colour=red&from=1&size=9&colour=blue"), kKnown);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields()[0].field, "colour");
  EXPECT_EQ(s.fields()[1].field, "size");
  EXPECT_EQ(s.fields()[0].message, "is not a parameter of this route (from, to)");
}

TEST(RequirePrintableTest, NamesEachPathSegmentAndKnownValueWithAControlCharacter) {
  constexpr std::string_view kKnown[] = {"team", "from"};
  const PathParams clean{{"deployment_id", "d 1"}};
  EXPECT_TRUE(RequirePrintable(Query::Parse("team=a+b&from=1"), kKnown, clean).ok());
  // Unknown names are RequireKnown's to refuse (or a webhook's to ignore): not looked at here.
  EXPECT_TRUE(RequirePrintable(Query::Parse("other=a%00b"), kKnown, clean).ok());
  Status s = RequirePrintable(Query::Parse("team=a%00b&from=%0A&team=c%7F"), kKnown,
                              PathParams{{"deployment_id", std::string("d\0", 2)}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(s.fields().size(), 3u);
  EXPECT_EQ(s.fields()[0].field, "deployment_id");
  EXPECT_EQ(s.fields()[1].field, "team");  // once, though given twice
  EXPECT_EQ(s.fields()[2].field, "from");
  EXPECT_EQ(s.fields()[0].message, "must not contain control characters");
}

TEST(RequireKnownTest, ARouteWithoutParametersRefusesAny) {
  Status s = RequireKnown(Query::Parse("x=1"), {});
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].message, "is not a parameter of this route (it takes none)");
  EXPECT_TRUE(RequireKnown(Query::Parse(""), {}).ok());
}

TEST(TimeParamTest, Rfc3339UnixMillisecondsAndDates) {
  auto at = [](const std::string& query) { return *TimeParam(Query::Parse(query), "from"); };
  EXPECT_EQ(at("from=2024-05-01T00:00:00Z"), kMay1);
  EXPECT_EQ(at("from=2024-05-01T02:00:00%2B02:00"), kMay1);
  EXPECT_EQ(at("from=1714521600000"), kMay1);
  EXPECT_EQ(at("from=2024-05-01"), kMay1);  // UTC midnight by default
  EXPECT_EQ(at("to=2024-05-01"), std::nullopt);
}

TEST(TimeParamTest, ADateIsLocalMidnightInTheZone) {
  auto paris = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(paris.ok()) << paris.status().ToString();
  // Summer time: midnight in Paris is 22:00 UTC the day before.
  EXPECT_EQ(*TimeParam(Query::Parse("from=2024-05-01"), "from", *paris), kMay1 - 2 * 3600000);
  // Winter time: 23:00 UTC.
  EXPECT_EQ(*TimeParam(Query::Parse("from=2024-01-15"), "from", *paris),
            DaysFromCivil(2024, 1, 15) * 86400000 - 3600000);
}

TEST(TimeParamTest, RefusalsNameTheParameter) {
  for (const char* bad : {"to=2026-02-30", "to=2026-13-01", "to=yesterday", "to=2024-05-01T10:00",
                          "to=", "to=12345678901234567"}) {
    auto t = TimeParam(Query::Parse(bad), "to");
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(FieldOf(t.status()), "to") << bad;
  }
  auto feb30 = TimeParam(Query::Parse("to=2026-02-30"), "to");
  EXPECT_EQ(feb30.status().fields()[0].message, "\"2026-02-30\" is not a date that exists (YYYY-MM-DD)");
}

TEST(DateParamTest, OnlyAPlainDate) {
  EXPECT_FALSE(DateParam(Query::Parse(""), "start_date")->has_value());
  EXPECT_EQ(**DateParam(Query::Parse("start_date=2024-05-01"), "start_date"), kMay1 / 86400000);
  for (const char* bad : {"start_date=2026-02-30", "start_date=2024-05-01T00:00:00Z",
                          "start_date=1714521600000", "start_date=", "start_date=2024-5-1"}) {
    auto d = DateParam(Query::Parse(bad), "start_date");
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(FieldOf(d.status()), "start_date") << bad;
  }
  EXPECT_EQ(DateParam(Query::Parse("d=1714521600000"), "d").status().fields()[0].message,
            "\"1714521600000\" is not a date (YYYY-MM-DD)");
}

TEST(IntParamTest, DefaultsBoundsAndGarbage) {
  EXPECT_EQ(*IntParam(Query::Parse(""), "limit", 50, 0, 100), 50);
  EXPECT_EQ(*IntParam(Query::Parse("limit=7"), "limit", 50, 0, 100), 7);
  for (const char* bad : {"limit=101", "limit=-1", "limit=ten", "limit=", "limit=5x"}) {
    auto n = IntParam(Query::Parse(bad), "limit", 50, 0, 100);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.status().fields()[0].message, "must be a whole number from 0 to 100");
  }
}

TEST(ListParamTest, EveryValueInOrder) {
  EXPECT_EQ(ListParam(Query::Parse("team=a&x=1&team=b"), "team"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ListParam(Query::Parse(""), "team").empty());
}

TEST(CommaListParamTest, RepeatedAndCommaSeparatedInOrder) {
  EXPECT_EQ(CommaListParam(Query::Parse("t=production,staging&x=1&t=other&t=,a,,"), "t"),
            (std::vector<std::string>{"production", "staging", "other", "a"}));
  EXPECT_TRUE(CommaListParam(Query::Parse("t="), "t").empty());
}

TEST(ChoiceParamTest, IndexOrRefusalListingTheChoices) {
  EXPECT_EQ(*ChoiceParam(Query::Parse("i=week"), "i", {"day", "week"}), std::optional<size_t>(1));
  EXPECT_EQ(*ChoiceParam(Query::Parse(""), "i", {"day", "week"}), std::nullopt);
  auto bad = ChoiceParam(Query::Parse("i=hour"), "i", {"day", "week", "month"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().fields()[0].message, "must be day, week or month, got \"hour\"");
}

TEST(ChoiceParamTest, ChoicesFromAnArray) {
  constexpr std::string_view kChoices[] = {"daily", "monthly", "all"};
  EXPECT_EQ(*ChoiceParam(Query::Parse("i=all"), "i", kChoices), std::optional<size_t>(2));
  EXPECT_EQ(ChoiceParam(Query::Parse("i=weekly"), "i", kChoices).status().fields()[0].message,
            "must be daily, monthly or all, got \"weekly\"");
}

TEST(LinkParamTest, ExplicitByDefault) {
  EXPECT_FALSE(*LinkParam(Query::Parse("")));
  EXPECT_FALSE(*LinkParam(Query::Parse("link=explicit")));
  EXPECT_TRUE(*LinkParam(Query::Parse("link=previous_deployment")));
  EXPECT_EQ(FieldOf(LinkParam(Query::Parse("link=closest")).status()), "link");
}

TEST(TzParamTest, ZoneOrNoneOrRefusal) {
  EXPECT_FALSE(TzParam(Query::Parse(""))->has_value());
  EXPECT_EQ((*TzParam(Query::Parse("tz=Europe/Paris")))->name(), "Europe/Paris");
  EXPECT_EQ(FieldOf(TzParam(Query::Parse("tz=Mars/Olympus_Mons")).status()), "tz");
}

TEST(RangeParamsTest, DefaultsAndOrder) {
  const TimeMs now = kMay1;
  auto r = RangeParams(Query::Parse(""), now, 1000, TimeZone());
  EXPECT_EQ(r->to, now);
  EXPECT_EQ(r->from, now - 1000);
  r = RangeParams(Query::Parse("from=2024-04-01&to=2024-05-01"), now, 1000, TimeZone());
  EXPECT_EQ(r->to - r->from, 30LL * 86400000);
  EXPECT_EQ(FieldOf(RangeParams(Query::Parse("from=2024-05-01&to=2024-05-01"), now, 1000,
                                TimeZone())
                        .status()),
            "from");
}

}  // namespace
}  // namespace emm::api
