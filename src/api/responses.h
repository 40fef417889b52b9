// Success answers shared by handlers (errors: error_response.h).
#pragma once

#include <boost/json.hpp>

#include <string>
#include <utility>

#include "api/query.h"
#include "api/query_params.h"
#include "http/message.h"

namespace emm::api {

// 200 with the value as JSON.
http::Response JsonOk(const boost::json::value& v);

// A list as JSON, or as CSV with format=csv / Accept: text/csv (columns: the keys of `shape`).
http::Response ListResponse(const http::Request& req, const Query& q,
                            const boost::json::array& rows, const boost::json::object& shape);

// One page of a list as JSON: to_json(k) for each index k of `page`, and the next cursor as a
// string ("100"; null at the end).
template <typename ToJson>
std::pair<boost::json::array, boost::json::value> PagedJson(const Page& page, ToJson to_json) {
  boost::json::array items;
  for (size_t k = page.begin; k < page.end; ++k) items.push_back(to_json(k));
  boost::json::value next =
      page.next ? boost::json::value(std::to_string(*page.next)) : boost::json::value();
  return {std::move(items), std::move(next)};
}

}  // namespace emm::api
