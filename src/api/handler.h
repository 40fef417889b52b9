// The shape of a route handler: a named function that maps one request to one answer and knows
// nothing of sockets. Handlers are declared in handlers.h and listed in the route table
// (routes.cc); Api calls them after matching, authenticating and checking the query's names.
#pragma once

#include "api/options.h"
#include "api/query.h"
#include "api/router.h"
#include "api/write_runner.h"
#include "http/message.h"

namespace emm::api {

// What every handler may use. Outlives every call.
struct Env {
  ApiOptions options;
  ApiDeps deps;
  // Runs the write routes' domain commands: the group commit, or the collector in stateless mode.
  const WriteRunner* writes;
};

// One request, already routed. `query` holds only names the route declares.
struct Call {
  const http::Request& request;
  const PathParams& path;
  const Query& query;
  // Answers the request: exactly once, from any thread, possibly after the handler returned.
  http::Responder respond;
};

using HandlerFn = void (*)(const Env& env, Call call);

}  // namespace emm::api
