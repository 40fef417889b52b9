// The em-metrics HTTP API: the original's routes and ours, on top of the domain and an EventStore.
// Reads go straight to the store; writes go through a WriteRunner (the group commit, or the
// collector in stateless mode). Routes: routes.cc; how a request flows: docs/architecture.md.
#pragma once

#include <memory>

#include "api/handler.h"
#include "api/options.h"
#include "api/router.h"
#include "http/message.h"

namespace emm::api {

class Api {
 public:
  Api(ApiOptions options, ApiDeps deps);
  Api(const Api&) = delete;  // routes hold `this`
  Api& operator=(const Api&) = delete;

  // The http::Handler: routes, authenticates, checks the query's names, calls the route's handler,
  // and labels the answer for the access log and the self series. Thread-safe.
  void Handle(http::Request request, http::Responder respond) const;

 private:
  std::unique_ptr<WriteRunner> writes_;
  Env env_;
  Router router_;
};

}  // namespace emm::api
