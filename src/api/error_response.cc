#include "api/error_response.h"

#include <boost/json.hpp>

#include "common/log.h"

namespace emm::api {
namespace json = boost::json;

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kHeadersTooLarge:
      return 431;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
    case StatusCode::kDataLoss:
      return 503;
    case StatusCode::kResourceExhausted:
      return 507;
    case StatusCode::kUpstream:
      return 502;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {

const char* ReasonPhrase(int code) {
  switch (code) {
    case 400:
      return "Bad Request";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
  }
  return "Error";
}

}  // namespace

http::Response RefusalResponse(const Status& status) {
  const int code = HttpStatusFor(status.code());
  json::object body{{"error", ReasonPhrase(code)}, {"message", status.message()}};
  http::Response res = http::Response::Json(code, json::serialize(body));
  if (code == 503) res.headers.emplace_back("Retry-After", "1");
  return res;
}

http::Response ErrorResponse(const Status& status) {
  int code = HttpStatusFor(status.code());
  if (code == 413 || code == 431) return RefusalResponse(status);
  json::object body;
  if (code == 500) {
    log::Error("internal error", {{"error", status.ToString()}});
    body["error"] = "internal error";
  } else {
    if (code != 400) body["error"] = status.message();
    if (!status.fields().empty()) {
      json::array errors;
      for (const FieldError& f : status.fields()) {
        errors.push_back(json::object{{"field", f.field}, {"message", f.message}});
      }
      body["errors"] = std::move(errors);
    }
  }
  http::Response res = http::Response::Json(code, json::serialize(body));
  // A busy database clears up by itself; a damaged one or a full disk waits for an operator.
  if (status.code() == StatusCode::kUnavailable) res.headers.emplace_back("Retry-After", "1");
  return res;
}

http::Response RouteNotFound(std::string_view method, std::string_view path) {
  json::object o{{"message", "Route " + std::string(method) + ":" + std::string(path) + " not found"},
                 {"error", "Not Found"},
                 {"statusCode", 404}};
  return http::Response::Json(404, json::serialize(o));
}

http::Response AuthRefused(const auth::Decision& decision) {
  http::Response res = ErrorResponse(decision.verdict == auth::Verdict::kForbidden
                                         ? Status::PermissionDenied(decision.message)
                                         : Status::Unauthenticated(decision.message));
  if (decision.challenge) res.headers.emplace_back("WWW-Authenticate", "Basic realm=web-http");
  return res;
}

}  // namespace emm::api
