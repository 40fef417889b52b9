#include "http/message.h"

#include <gtest/gtest.h>

namespace emm::http {
namespace {

TEST(AcceptsGzipTest, NamedOrStarWithANonZeroQ) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.5, identity"));
  EXPECT_TRUE(AcceptsGzip(" br ; q=1 , gzip ; q=0.1"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity, *;q=0.3"));
}

TEST(AcceptsGzipTest, AbsentOrRefused) {
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000, identity"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  // Named gzip wins over "*": refused by name, refused.
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
}

}  // namespace
}  // namespace emm::http
