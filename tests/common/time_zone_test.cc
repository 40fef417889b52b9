// Time zones from the system's tz database (Debian's tzdata), checked at known instants.
#include "common/time_zone.h"

#include <gtest/gtest.h>

namespace emm {
namespace {

TimeMs At(const char* text) { return *ParseTimestamp(text); }

TEST(TimeZoneTest, UtcByDefault) {
  TimeZone utc;
  EXPECT_TRUE(utc.is_utc());
  EXPECT_EQ(utc.OffsetAt(At("2024-07-01T00:00:00Z")), 0);
  EXPECT_EQ(utc.ToUtc(At("2024-07-01T00:00:00Z")), At("2024-07-01T00:00:00Z"));
}

TEST(TimeZoneTest, ParisAroundBothChangesOf2024) {
  auto tz = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(tz.ok()) << tz.status().ToString();
  EXPECT_FALSE(tz->is_utc());
  // Spring forward on 31 March at 01:00 UTC (02:00 CET -> 03:00 CEST).
  EXPECT_EQ(tz->OffsetAt(At("2024-03-31T00:59:59Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(At("2024-03-31T01:00:00Z")), 7200);
  // Fall back on 27 October at 01:00 UTC (03:00 CEST -> 02:00 CET).
  EXPECT_EQ(tz->OffsetAt(At("2024-10-27T00:59:59Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(At("2024-10-27T01:00:00Z")), 3600);
  // Local midnights either side: 23:00 UTC in winter, 22:00 UTC in summer.
  EXPECT_EQ(tz->ToUtc(At("2024-03-31T00:00:00Z")), At("2024-03-30T23:00:00Z"));
  EXPECT_EQ(tz->ToUtc(At("2024-04-01T00:00:00Z")), At("2024-03-31T22:00:00Z"));
  // 02:30 on 31 March never happened: read with the winter offset (03:30 CEST).
  EXPECT_EQ(tz->ToUtc(At("2024-03-31T02:30:00Z")), At("2024-03-31T01:30:00Z"));
  // 02:30 on 27 October happened twice: the first one (CEST).
  EXPECT_EQ(tz->ToUtc(At("2024-10-27T02:30:00Z")), At("2024-10-27T00:30:00Z"));
}

TEST(TimeZoneTest, FarFutureFollowsTheFooterRule) {
  // Past the file's last transition the POSIX rule in its footer applies.
  auto tz = TimeZone::Load("Europe/Paris");
  ASSERT_TRUE(tz.ok());
  EXPECT_EQ(tz->OffsetAt(At("2100-07-01T12:00:00Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(At("2100-01-15T12:00:00Z")), 3600);
  // 2100: last Sunday of March is the 28th.
  EXPECT_EQ(tz->OffsetAt(At("2100-03-28T00:59:59Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(At("2100-03-28T01:00:00Z")), 7200);
}

TEST(TimeZoneTest, SouthernHemisphereAndHalfHours) {
  auto sydney = TimeZone::Load("Australia/Sydney");
  ASSERT_TRUE(sydney.ok());
  EXPECT_EQ(sydney->OffsetAt(At("2024-01-15T00:00:00Z")), 11 * 3600);  // summer: AEDT
  EXPECT_EQ(sydney->OffsetAt(At("2024-07-15T00:00:00Z")), 10 * 3600);
  EXPECT_EQ(sydney->OffsetAt(At("2100-01-15T00:00:00Z")), 11 * 3600);
  auto kolkata = TimeZone::Load("Asia/Kolkata");
  ASSERT_TRUE(kolkata.ok());
  EXPECT_EQ(kolkata->OffsetAt(At("2024-07-15T00:00:00Z")), 5 * 3600 + 1800);
}

TEST(TimeZoneTest, RulesParsedFromAFooterAlone) {
  // A "slim" file: no transitions, only the rule (as zic -b slim writes for some zones).
  std::string tzif(44, '\0');
  tzif.replace(0, 5, "TZif2");
  tzif[43] = 0;
  auto with_counts = [](std::string h, int typecnt, int charcnt) {
    h[36 + 3] = static_cast<char>(typecnt);  // typecnt at offset 36
    h[40 + 3] = static_cast<char>(charcnt);  // charcnt at offset 40
    return h;
  };
  std::string v1 = with_counts(tzif, 1, 4) + std::string("\0\0\0\0\0\0", 6) + "CET" + '\0';
  std::string v2 = with_counts(tzif, 1, 4) + std::string("\0\0\x0e\x10\0\0", 6) + "CET" + '\0';
  auto tz = TimeZone::Parse("Test/Slim", v1 + v2 + "\nCET-1CEST,M3.5.0,M10.5.0/3\n");
  ASSERT_TRUE(tz.ok()) << tz.status().ToString();
  EXPECT_EQ(tz->OffsetAt(At("2024-03-31T00:59:59Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(At("2024-03-31T01:00:00Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(At("2024-10-27T01:00:00Z")), 3600);
}

TEST(TimeZoneTest, BadNamesAreRefusedWithTheParameter) {
  for (const char* name : {"", "Nowhere/Atlantis", "../../etc/passwd", "/etc/localtime",
                           "Europe/Paris;rm", "Europe\\Paris"}) {
    auto tz = TimeZone::Load(name);
    ASSERT_FALSE(tz.ok()) << name;
    EXPECT_EQ(tz.status().code(), StatusCode::kInvalidArgument) << name;
    ASSERT_EQ(tz.status().fields().size(), 1u) << name;
    EXPECT_EQ(tz.status().fields()[0].field, "tz") << name;
  }
  EXPECT_FALSE(TimeZone::Parse("x", "not a tzif file").ok());
}

}  // namespace
}  // namespace emm
