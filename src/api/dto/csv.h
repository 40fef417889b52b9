// Tables out of JSON rows, for spreadsheets (format=csv or Accept: text/csv): RFC 4180, a header
// line, CRLF line ends, fields quoted when they need it; null is an empty field.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emm::api::dto {

inline constexpr const char* kCsvContentType = "text/csv; charset=utf-8";

// One line per row with `columns` in that order (a column a row lacks is empty).
std::string ToCsv(const std::vector<std::string>& columns, const boost::json::array& rows);

// The keys of the first row, in order (for rows that all share one shape).
std::vector<std::string> ColumnsOf(const boost::json::array& rows);

// Whether a request asks for CSV: format=csv, or an Accept header naming text/csv.
bool WantsCsv(const std::optional<std::string>& format, std::string_view accept);

}  // namespace emm::api::dto
