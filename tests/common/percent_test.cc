#include "common/percent.h"

#include <gtest/gtest.h>

namespace emm {
namespace {

TEST(PercentDecodeTest, InvalidEscapesAreKept) {
  EXPECT_EQ(PercentDecode("100%", true), "100%");
  EXPECT_EQ(PercentDecode("%zz", true), "%zz");
  EXPECT_EQ(PercentDecode("%4", true), "%4");
  EXPECT_EQ(PercentDecode("%4g%41", false), "%4gA");
  EXPECT_EQ(PercentDecode("%41", false), "A");
  EXPECT_EQ(PercentDecode("x%41", false), "xA");
  EXPECT_EQ(PercentDecode("%e2%9c%93", false), "\xe2\x9c\x93");
}

TEST(PercentDecodeTest, PlusOnlyWhenAsked) {
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
}

TEST(PercentEncodeSegmentTest, KeepsUnreservedEncodesTheRest) {
  EXPECT_EQ(PercentEncodeSegment("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(PercentEncodeSegment("release/v1.2 #3?x%"), "release%2Fv1.2%20%233%3Fx%25");
  // pchar's other characters are legal in a segment and stay readable.
  EXPECT_EQ(PercentEncodeSegment("incident-io:01H@x+y=z!$&'()*,;"),
            "incident-io:01H@x+y=z!$&'()*,;");
  EXPECT_EQ(PercentEncodeSegment("\xe2\x9c\x93"), "%E2%9C%93");
  EXPECT_EQ(PercentEncodeSegment(""), "");
}

TEST(PercentEncodeSegmentTest, DecodesBackToTheSameBytes) {
  const std::string id = std::string("a/b%c d+e\0f", 11) + "\xff";
  EXPECT_EQ(PercentDecode(PercentEncodeSegment(id), false), id);
  EXPECT_EQ(PercentDecodeStrict(PercentEncodeSegment(id)), id);
}

TEST(PercentEncodeComponentTest, KeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncodeComponent("sum(rate(x[5m])) + 1 & a=b"),
            "sum%28rate%28x%5B5m%5D%29%29%20%2B%201%20%26%20a%3Db");
  EXPECT_EQ(PercentEncodeComponent("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(PercentDecode(PercentEncodeComponent("a+b c&d"), true), "a+b c&d");
}

TEST(PercentDecodeStrictTest, RefusesInvalidEscapes) {
  EXPECT_EQ(PercentDecodeStrict("a%2Cb"), "a,b");
  EXPECT_EQ(PercentDecodeStrict("%41"), "A");
  EXPECT_EQ(PercentDecodeStrict("a+b"), "a+b");
  EXPECT_EQ(PercentDecodeStrict("100%"), std::nullopt);
  EXPECT_EQ(PercentDecodeStrict("%4"), std::nullopt);
  EXPECT_EQ(PercentDecodeStrict("%zz"), std::nullopt);
}

}  // namespace
}  // namespace emm
