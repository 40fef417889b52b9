#include "api/responses.h"

#include "api/dto/csv.h"

namespace emm::api {
namespace json = boost::json;

http::Response JsonOk(const json::value& v) { return http::Response::Json(200, json::serialize(v)); }

http::Response ListResponse(const http::Request& req, const Query& q, const json::array& rows,
                            const json::object& shape) {
  if (!dto::WantsCsv(q.Get("format"), req.Header("Accept").value_or(""))) return JsonOk(rows);
  http::Response res = http::Response::Empty(200);
  res.content_type = dto::kCsvContentType;
  res.body = dto::ToCsv(dto::ColumnsOf(json::array{shape}), rows);
  return res;
}

}  // namespace emm::api
