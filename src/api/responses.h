// Success answers shared by handlers (errors: error_response.h).
#pragma once

#include <boost/json.hpp>

#include "api/query.h"
#include "http/message.h"

namespace emm::api {

// 200 with the value as JSON.
http::Response JsonOk(const boost::json::value& v);

// A list as JSON, or as CSV with format=csv / Accept: text/csv (columns: the keys of `shape`).
http::Response ListResponse(const http::Request& req, const Query& q,
                            const boost::json::array& rows, const boost::json::object& shape);

}  // namespace emm::api
