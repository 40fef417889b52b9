#include "common/time.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace emm {
namespace {

// 2024-05-01T10:00:00Z
constexpr TimeMs kMay1 = 1714557600000;

TEST(ParseTimestampTest, UtcWithZ) { EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00Z"), kMay1); }

TEST(ParseCivilDateTest, DaysSinceTheEpoch) {
  EXPECT_EQ(ParseCivilDate("1970-01-01"), 0);
  EXPECT_EQ(ParseCivilDate("2024-05-01"), kMay1 / 86400000);
  EXPECT_EQ(ParseCivilDate("2024-02-29"), DaysFromCivil(2024, 2, 29));
}

TEST(FormatCivilDateTest, IsParseCivilDatesInverse) {
  EXPECT_EQ(FormatCivilDate(0), "1970-01-01");
  EXPECT_EQ(FormatCivilDate(DaysFromCivil(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(FormatCivilDate(-1), "1969-12-31");
}

TEST(AddMonthsTest, KeepsTheDayOrClampsToAShorterMonth) {
  EXPECT_EQ(AddMonths(DaysFromCivil(2024, 5, 1), -3), DaysFromCivil(2024, 2, 1));
  EXPECT_EQ(AddMonths(DaysFromCivil(2024, 5, 31), -3), DaysFromCivil(2024, 2, 29));
  EXPECT_EQ(AddMonths(DaysFromCivil(2023, 5, 31), -3), DaysFromCivil(2023, 2, 28));
  EXPECT_EQ(AddMonths(DaysFromCivil(2024, 2, 15), -3), DaysFromCivil(2023, 11, 15));
  EXPECT_EQ(AddMonths(DaysFromCivil(2023, 11, 30), 3), DaysFromCivil(2024, 2, 29));
  EXPECT_EQ(AddMonths(DaysFromCivil(2024, 12, 1), 1), DaysFromCivil(2025, 1, 1));
}

TEST(LocalDayTest, ShiftsByTheOffsetAndFloorsBeforeTheEpoch) {
  EXPECT_EQ(LocalDay(kMay1, 0), kMay1 / 86400000);
  EXPECT_EQ(LocalDay(kMay1 - 36000000, -3600), kMay1 / 86400000 - 1);  // 23:00 the day before
  EXPECT_EQ(LocalDay(kMay1 + 14 * 3600000, 10 * 3600), kMay1 / 86400000 + 1);
  EXPECT_EQ(LocalDay(-1, 0), -1);
}

TEST(ParseCivilDateTest, RefusesDaysThatDoNotExistAndOtherShapes) {
  for (const char* bad : {"2026-02-30", "2025-02-29", "2024-13-01", "2024-00-10", "2024-04-31",
                          "2024-5-1", "2024-05-01T00:00:00Z", "20240501", "", "2024-05-01 "}) {
    EXPECT_FALSE(ParseCivilDate(bad).has_value()) << bad;
  }
}

TEST(ParseRubyTimestampTest, GitLabsForms) {
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01 10:00:00 UTC"), kMay1);
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01 12:00:00 +0200"), kMay1);
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01 05:30:00 -0430"), kMay1);
}

TEST(ParseRubyTimestampTest, OtherTextIsRefused) {
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01T10:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01 10:00:00"), std::nullopt);
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01 10:00:00 "), std::nullopt);
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01 10:00:00 CEST"), std::nullopt);
  EXPECT_EQ(ParseRubyTimestamp("2024-05-01 10:00:00 +2"), std::nullopt);
  EXPECT_EQ(ParseRubyTimestamp("2024-02-30 10:00:00 UTC"), std::nullopt);
  EXPECT_EQ(ParseRubyTimestamp(""), std::nullopt);
}

TEST(ParseTimestampTest, Epoch) { EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z"), 0); }

TEST(ParseTimestampTest, LowercaseSeparatorAndZone) {
  EXPECT_EQ(ParseTimestamp("2024-05-01t10:00:00z"), kMay1);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00z"), kMay1);
  EXPECT_EQ(ParseTimestamp("2024-05-01t10:00:00Z"), kMay1);
}

TEST(ParseTimestampTest, SpaceSeparator) {
  EXPECT_EQ(ParseTimestamp("2024-05-01 10:00:00Z"), kMay1);
}

TEST(ParseTimestampTest, PositiveOffsetWithColon) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T12:00:00+02:00"), kMay1);
}

TEST(ParseTimestampTest, PositiveOffsetWithoutColon) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T12:00:00+0200"), kMay1);
}

TEST(ParseTimestampTest, NegativeOffsetWithoutColon) {
  // 04:30 at -05:30 is 10:00 UTC.
  EXPECT_EQ(ParseTimestamp("2024-05-01T04:30:00-0530"), kMay1);
  EXPECT_EQ(ParseTimestamp("2024-05-01T04:30:00-05:30"), kMay1);
}

TEST(ParseTimestampTest, OffsetCrossesDayBoundary) {
  // 2024-05-01T01:00+02:00 is 2024-04-30T23:00Z.
  EXPECT_EQ(ParseTimestamp("2024-05-01T01:00:00+02:00"), kMay1 - 11 * 3600 * 1000);
}

TEST(ParseTimestampTest, FractionalSecondsOneDigit) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00.5Z"), kMay1 + 500);
}

TEST(ParseTimestampTest, FractionalSecondsThreeDigits) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00.123Z"), kMay1 + 123);
}

TEST(ParseTimestampTest, FractionalSecondsSixDigitsTruncated) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00.123999Z"), kMay1 + 123);
}

TEST(ParseTimestampTest, FractionalSecondsNineDigitsTruncated) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00.999999999Z"), kMay1 + 999);
}

TEST(ParseTimestampTest, FractionalSecondsWithOffset) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T12:00:00.5+02:00"), kMay1 + 500);
}

TEST(ParseTimestampTest, RejectsDotWithoutDigits) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00.Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsMissingZone) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00.123"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsDateOnly) {
  EXPECT_EQ(ParseTimestamp("2024-05-01"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsMonth13) {
  EXPECT_EQ(ParseTimestamp("2024-13-01T10:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-00-01T10:00:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsImpossibleDays) {
  EXPECT_EQ(ParseTimestamp("2024-04-31T10:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-02-30T10:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-00T10:00:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, Feb29OnlyInLeapYears) {
  EXPECT_EQ(ParseTimestamp("2023-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("1900-02-29T00:00:00Z"), std::nullopt);  // century, not leap
  auto leap = ParseTimestamp("2024-02-29T00:00:00Z");
  ASSERT_TRUE(leap.has_value());
  EXPECT_EQ(FormatTimestamp(*leap), "2024-02-29T00:00:00.000Z");
  EXPECT_TRUE(ParseTimestamp("2000-02-29T00:00:00Z").has_value());  // 400-year rule
}

TEST(ParseTimestampTest, RejectsHour24) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T24:00:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsMinute60) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:60:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsSecond60) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T23:59:60Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsBadOffsets) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00+24:00"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00+02:60"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00+2"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00+02:0"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00+02"), std::nullopt);  // minutes are required
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00+02:"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsTrailingGarbage) {
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00Zjunk"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00Z "), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00:00+02:00x"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsLeadingGarbage) {
  EXPECT_EQ(ParseTimestamp(" 2024-05-01T10:00:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsEmptyAndNonsense) {
  EXPECT_EQ(ParseTimestamp(""), std::nullopt);
  EXPECT_EQ(ParseTimestamp("yesterday"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-5-1T10:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024/05/01T10:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01X10:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2024-05-01T10:00Z"), std::nullopt);
}

TEST(FormatTimestampTest, Epoch) { EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z"); }

TEST(FormatTimestampTest, KnownInstant) {
  EXPECT_EQ(FormatTimestamp(kMay1), "2024-05-01T10:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(kMay1 + 7), "2024-05-01T10:00:00.007Z");
}

TEST(FormatTimestampTest, NegativeValuesBeforeEpoch) {
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatTimestamp(-86400000), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(-86400001), "1969-12-30T23:59:59.999Z");
}

TEST(FormatTimestampTest, Year9999) {
  auto t = ParseTimestamp("9999-12-31T23:59:59.999Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 253402300799999);
  EXPECT_EQ(FormatTimestamp(*t), "9999-12-31T23:59:59.999Z");
}

TEST(FormatTimestampTest, RoundTripsThroughParse) {
  for (const char* text :
       {"1970-01-01T00:00:00.000Z", "1969-07-20T20:17:40.000Z", "1900-03-01T00:00:00.001Z",
        "2000-02-29T23:59:59.999Z", "2024-05-01T10:00:00.123Z", "2038-01-19T03:14:08.000Z"}) {
    auto t = ParseTimestamp(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(FormatTimestamp(*t), text);
  }
}

TEST(FormatTimestampTest, ParseOfFormatIsIdentity) {
  for (TimeMs ms : {TimeMs{0}, TimeMs{-1}, TimeMs{-123456789012}, kMay1 + 1, TimeMs{951782400000},
                    TimeMs{253402300799999}}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(ms)), ms) << ms;
  }
}

TEST(CivilDaysTest, RoundTrip) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  for (int64_t days : {int64_t{-719468}, int64_t{-1}, int64_t{0}, int64_t{11016}, int64_t{19844},
                       int64_t{2932896}}) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    EXPECT_EQ(DaysFromCivil(y, m, d), days);
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(11016, &y, &m, &d);
  EXPECT_EQ(y, 2000);
  EXPECT_EQ(m, 2u);
  EXPECT_EQ(d, 29u);
}

}  // namespace
}  // namespace emm
