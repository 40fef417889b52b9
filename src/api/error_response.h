// Status -> HTTP status and JSON body, in one place. A client mistake is never a 500.
#pragma once

#include "common/status.h"
#include "http/message.h"

namespace emm::api {

// 400 {"errors":[{"field","message"}]}, 404 {"error"}, 409 {"error","errors"}, 501/503 {"error"},
// 500 {"error":"internal error"} (the detail goes to the log, not the client).
http::Response ErrorResponse(const Status& status);

int HttpStatusFor(StatusCode code);

}  // namespace emm::api
