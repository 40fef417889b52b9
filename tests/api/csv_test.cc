#include "api/dto/csv.h"

#include <gtest/gtest.h>

namespace emm::api::dto {
namespace {

namespace json = boost::json;

TEST(CsvTest, HeaderRowsQuotingAndNulls) {
  json::array rows = {
      json::object{{"id", "a"}, {"n", 3}, {"x", 0.4}, {"note", nullptr}},
      json::object{{"id", "b,\"c\""}, {"n", 3600.0}, {"x", true}, {"note", "two\nlines"}}};
  EXPECT_EQ(ToCsv({"id", "n", "x", "note", "missing"}, rows),
            "id,n,x,note,missing\r\n"
            "a,3,0.4,,\r\n"
            "\"b,\"\"c\"\"\",3600,true,\"two\nlines\",\r\n");
}

TEST(CsvTest, ColumnsFollowTheFirstRow) {
  json::array rows = {json::object{{"b", 1}, {"a", 2}}};
  EXPECT_EQ(ColumnsOf(rows), (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(ColumnsOf(json::array{}).empty());
}

TEST(CsvTest, AskedByParameterOrAcceptHeader) {
  EXPECT_TRUE(WantsCsv(std::string("csv"), ""));
  EXPECT_FALSE(WantsCsv(std::string("json"), "text/csv"));  // the parameter wins
  EXPECT_TRUE(WantsCsv(std::nullopt, "text/csv, application/json;q=0.5"));
  EXPECT_FALSE(WantsCsv(std::nullopt, "application/json"));
}

}  // namespace
}  // namespace emm::api::dto
