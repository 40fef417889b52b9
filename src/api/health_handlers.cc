// GET /health, POST /ping, GET /api/v1/health, /version, /config.
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/responses.h"

namespace emm::api {
namespace json = boost::json;

void GetHealth(const Env&, Call call) { call.respond(JsonOk(json::object{{"ok", true}})); }

void Ping(const Env&, Call call) { call.respond(JsonOk(json::object{})); }

void GetApiHealth(const Env& env, Call call) {
  call.respond(JsonOk(json::object{{"ok", true}, {"host", env.options.hostname}}));
}

void GetVersion(const Env& env, Call call) {
  call.respond(JsonOk(json::object{{"version", env.options.version}}));
}

// The loaded teams file verbatim ({} when none), as the original.
void GetConfig(const Env& env, Call call) {
  call.respond(http::Response::Json(200, env.deps.teams->Get()->json));
}

}  // namespace emm::api
