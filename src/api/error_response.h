// Status -> HTTP status and JSON body, in one place. A client mistake is never a 500.
#pragma once

#include <string_view>

#include "auth/authenticator.h"
#include "common/status.h"
#include "http/message.h"

namespace emm::api {

// 400 {"errors":[{"field","message"}]}; 401, 403, 404 {"error"}; 409 {"error","errors"};
// 413, 431 {"error": reason phrase, "message"}; 501/502/503/507 {"error"}, with Retry-After: 1 on
// a 503 that clears by itself; 500 {"error":"internal error"} (the detail goes to the log, not
// the client).
http::Response ErrorResponse(const Status& status);

// What the HTTP server answers to a request it refuses before any route runs (malformed HTTP 400,
// body too large 413, headers too large 431, over the connection cap 503 with Retry-After: 1):
// {"error": reason phrase, "message"}. Injected as http::ServerOptions::refusal_response.
http::Response RefusalResponse(const Status& status);

int HttpStatusFor(StatusCode code);

// 404 for a path no route matches, in the original's (Fastify's) shape:
// {"message":"Route GET:/x not found","error":"Not Found","statusCode":404}.
http::Response RouteNotFound(std::string_view method, std::string_view path);

// 401 (no or unknown credentials; with `WWW-Authenticate: Basic realm=web-http` when the decision
// asks for the challenge) or 403 (wrong credentials), through ErrorResponse.
http::Response AuthRefused(const auth::Decision& decision);

}  // namespace emm::api
