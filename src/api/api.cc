#include "api/api.h"

#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <memory>

#include "api/dto/csv.h"
#include "api/dto/events_json.h"
#include "api/dto/fields.h"
#include "api/error_response.h"
#include "api/query.h"
#include "common/log.h"
#include "domain/commands.h"
#include "export/prometheus_text.h"
#include "export/transport.h"

namespace emm::api {
namespace json = boost::json;
using http::Request;
using http::Responder;
using http::Response;

namespace {

Response JsonOk(const json::value& v) { return Response::Json(200, json::serialize(v)); }

Response NotFoundRoute(const Request& r) {
  json::object o{{"message", "Route " + r.method + ":" + r.path + " not found"},
                 {"error", "Not Found"},
                 {"statusCode", 404}};
  return Response::Json(404, json::serialize(o));
}

// The method as a label value: anything but the usual methods is "other", so that a client
// sending made-up methods cannot add series to em_metrics_http_requests_total.
std::string MethodLabel(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "other";
}

// A list as JSON, or as CSV with format=csv / Accept: text/csv (columns: the keys of `shape`).
Response ListResponse(const Request& req, const Query& q, const json::array& rows,
                      const json::object& shape) {
  if (!dto::WantsCsv(q.Get("format"), req.Header("Accept").value_or(""))) return JsonOk(rows);
  Response res = Response::Empty(200);
  res.content_type = dto::kCsvContentType;
  res.body = dto::ToCsv(dto::ColumnsOf(json::array{shape}), rows);
  return res;
}

// Integer query parameter in [min, max]; absent: `def`.
Result<int64_t> IntParam(const Query& q, std::string_view name, int64_t def, int64_t min,
                         int64_t max) {
  auto v = q.Get(name);
  if (!v) return def;
  int64_t n = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size() || n < min || n > max) {
    return Status::InvalidArgument(
        std::string(name),
        "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

Result<std::optional<TimeMs>> TimeParam(const Query& q, std::string_view name) {
  auto v = q.Get(name);
  if (!v) return std::optional<TimeMs>();
  auto t = ParseTimestamp(*v);
  if (!t) {
    return Status::InvalidArgument(std::string(name),
                                   "\"" + v->substr(0, 64) +
                                       "\" is not an RFC 3339 date-time "
                                       "with a zone, such as 2024-05-01T10:00:00Z");
  }
  return std::optional<TimeMs>(*t);
}

// Runs a domain command through the group commit and answers 201/200 after the commit.
template <typename Command>
void SubmitCommand(const ApiDeps& deps, const ApiOptions& options, Command command,
                   Responder respond,
                   std::function<void(const Result<domain::Outcome>&, Response*)> decorate = {}) {
  auto teams = deps.teams->Get();  // the snapshot this request runs with
  auto ctx = std::make_shared<domain::CommandContext>(
      domain::CommandContext{&teams->directory, options.default_environment, deps.clock->NowMs()});
  auto outcome = std::make_shared<Result<domain::Outcome>>(Status::Internal("command did not run"));
  auto notes = std::make_shared<std::vector<domain::Inconsistency>>();
  ctx->inconsistencies = notes.get();
  deps.writes->Submit(
      [command = std::move(command), ctx, teams, outcome, notes](domain::Transaction& tx) {
        notes->clear();  // a retried item starts over
        *outcome = command(tx, *ctx);
        return outcome->status();
      },
      [respond = std::move(respond), outcome, notes, self = deps.self_metrics,
       decorate = std::move(decorate)](Status s) {
        if (!s.ok()) return respond(ErrorResponse(s));
        // Only now is the event stored: say what was accepted out of order.
        for (const domain::Inconsistency& n : *notes) {
          log::Warn("event stored with times out of order",
                    {{"kind", n.kind}, {"id", n.id}, {"field", n.field}, {"detail", n.message}});
          if (self != nullptr) self->RecordInconsistentEvent(n.kind, n.field);
        }
        Response res = Response::Empty(**outcome == domain::Outcome::kCreated ? 201 : 200);
        if (decorate) decorate(*outcome, &res);
        respond(std::move(res));
      });
}

}  // namespace

Api::Api(ApiOptions options, ApiDeps deps) : options_(std::move(options)), deps_(deps) {
  AddRoutes();
}

void Api::Handle(Request request, Responder respond) const {
  auto started = std::chrono::steady_clock::now();
  auto match = router_.Find(request.method, request.path);
  std::string pattern = match ? match->route->pattern : std::string("(unmatched)");
  // The server's access log and the self series name the route pattern, not the path (ids stay
  // out of logs and labels).
  Responder labelled = [respond = std::move(respond), pattern, started,
                        method = MethodLabel(request.method),
                        self = deps_.self_metrics](Response res) {
    res.log_route = pattern;
    // Probes and scrapes come every few seconds: debug level.
    if (pattern == "/health" || pattern == "/metrics") res.log_quiet = true;
    if (self != nullptr) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      self->RecordRequest(method, pattern, res.status, took.count());
    }
    respond(std::move(res));
  };
  if (!match) return labelled(NotFoundRoute(request));
  if (match->route->authenticated) {
    auth::Decision d = deps_.auth->Check(request.Header("Authorization"));
    if (d.verdict != auth::Verdict::kAllow) {
      Response res = Response::Json(d.verdict == auth::Verdict::kForbidden ? 403 : 401,
                                    json::serialize(json::object{{"error", d.message}}));
      if (d.challenge) res.headers.emplace_back("WWW-Authenticate", "Basic realm=web-http");
      return labelled(std::move(res));
    }
  }
  // Exactly one answer per request, even if a handler throws after answering.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Responder once = [answered, labelled = std::move(labelled)](Response res) {
    if (!answered->exchange(true)) labelled(std::move(res));
  };
  try {
    match->route->handler(request, match->params, once);
  } catch (const std::exception& e) {
    // Handlers return Status; an exception here is a bug, answered rather than crashing.
    once(ErrorResponse(Status::Internal(std::string("handler threw: ") + e.what())));
  }
}

void Api::AddRoutes() {
  const ApiDeps& deps = deps_;
  const ApiOptions& opts = options_;

  router_.Add({"GET", "/health", false, [](const Request&, const PathParams&, Responder r) {
                 r(JsonOk(json::object{{"ok", true}}));
               }});
  if (opts.dev_routes) {
    router_.Add({"POST", "/ping", false, [](const Request&, const PathParams&, Responder r) {
                   r(JsonOk(json::object{}));
                 }});
  }
  // Prometheus scrape: computed from the database, so the series survive restarts.
  router_.Add({"GET", "/metrics", !opts.scrape_no_auth,
               [&deps](const Request& req, const PathParams&, Responder r) {
                 std::vector<domain::SeriesState> series;
                 if (deps.store != nullptr) {  // stateless mode: only the service's own series
                   auto listed = deps.store->ListSeries();
                   if (!listed.ok()) return r(ErrorResponse(listed.status()));
                   series = std::move(*listed);
                 }
                 exporting::SelfMetrics::Snapshot self;
                 if (deps.self_metrics != nullptr) self = deps.self_metrics->Get();
                 auto format = exporting::NegotiateFormat(req.Header("Accept").value_or(""));
                 Response res = Response::Empty(200);
                 res.content_type = exporting::ContentType(format);
                 res.body = exporting::RenderExposition(series, self, format);
                 // Prometheus asks for gzip: the exposition is repetitive text (10,000 series:
                 // 11 MiB, about 0.6 MiB gzipped). Level 1: most of the gain for little CPU.
                 if (http::AcceptsGzip(req.Header("Accept-Encoding").value_or(""))) {
                   std::string z = exporting::Gzip(res.body, 1);
                   if (!z.empty()) {
                     res.body = std::move(z);
                     res.headers.emplace_back("Content-Encoding", "gzip");
                   }
                 }
                 res.headers.emplace_back("Vary", "Accept, Accept-Encoding");
                 r(std::move(res));
               }});
  router_.Add(
      {"GET", "/api/v1/health", true, [&opts](const Request&, const PathParams&, Responder r) {
         r(JsonOk(json::object{{"ok", true}, {"host", opts.hostname}}));
       }});
  router_.Add(
      {"GET", "/api/v1/version", true, [&opts](const Request&, const PathParams&, Responder r) {
         r(JsonOk(json::object{{"version", opts.version}}));
       }});
  router_.Add(
      {"GET", "/api/v1/config", true, [&deps](const Request&, const PathParams&, Responder r) {
         r(Response::Json(200, deps.teams->Get()->json));
       }});

  if (deps.forwarder != nullptr) return AddForwardingRoutes();

  AddDoraRoutes();

  // --- deployments ---
  router_.Add(
      {"POST", "/api/v1/deployments", true,
       [&deps, &opts](const Request& req, const PathParams&, Responder r) {
         auto body = dto::ParseBodyObject(req.body);
         if (!body.ok()) return r(ErrorResponse(body.status()));
         auto in = dto::ToNewDeployment(*body);
         if (!in.ok()) return r(ErrorResponse(in.status()));
         std::string location = "/api/v1/deployments/" + in->id;
         SubmitCommand(
             deps, opts,
             [in = std::move(*in)](domain::Transaction& tx, const domain::CommandContext& ctx) {
               return domain::CreateDeployment(tx, ctx, in);
             },
             std::move(r),
             [location](const auto&, Response* res) {
               res->headers.emplace_back("Location", location);
             });
       }});
  router_.Add(
      {"POST", "/api/v1/deployments/:deployment_id/deployed", true,
       [&deps, &opts](const Request& req, const PathParams& p, Responder r) {
         auto body = dto::ParseBodyObject(req.body);
         if (!body.ok()) return r(ErrorResponse(body.status()));
         auto in = dto::ToMarkDeployed(*body, Router::Param(p, "deployment_id"));
         if (!in.ok()) return r(ErrorResponse(in.status()));
         SubmitCommand(
             deps, opts,
             [in = std::move(*in)](domain::Transaction& tx, const domain::CommandContext& ctx) {
               return domain::MarkDeploymentDeployed(tx, ctx, in);
             },
             std::move(r));
       }});
  router_.Add({"GET", "/api/v1/deployments", true,
               [&deps](const Request& req, const PathParams&, Responder r) {
                 Query q = Query::Parse(req.query);
                 storage::DeploymentQuery dq;
                 auto limit = IntParam(q, "limit", 50, 0, 10000);
                 if (!limit.ok()) return r(ErrorResponse(limit.status()));
                 auto offset = IntParam(q, "offset", 0, 0, INT64_MAX);
                 if (!offset.ok()) return r(ErrorResponse(offset.status()));
                 auto from = TimeParam(q, "from");
                 if (!from.ok()) return r(ErrorResponse(from.status()));
                 auto to = TimeParam(q, "to");
                 if (!to.ok()) return r(ErrorResponse(to.status()));
                 if (*from && *to && **from > **to) {
                   return r(ErrorResponse(Status::InvalidArgument("from", "must not be after to")));
                 }
                 dq.limit = *limit;
                 dq.offset = *offset;
                 dq.from = *from;
                 dq.to = *to;
                 dq.project_id = q.Get("project_id");
                 dq.environment = q.Get("environment");
                 auto rows = deps.store->ListDeployments(dq);
                 if (!rows.ok()) return r(ErrorResponse(rows.status()));
                 json::array out;
                 out.reserve(rows->size());
                 for (const auto& d : *rows) out.push_back(dto::ToJson(d));
                 r(ListResponse(req, q, out, dto::ToJson(domain::Deployment{})));
               }});
  router_.Add({"GET", "/api/v1/deployments/:deployment_id", true,
               [&deps](const Request&, const PathParams& p, Responder r) {
                 auto d = deps.store->GetDeployment(Router::Param(p, "deployment_id"));
                 if (!d.ok()) return r(ErrorResponse(d.status()));
                 if (!d->has_value()) {
                   return r(ErrorResponse(Status::NotFound("Deployment does not exist")));
                 }
                 r(JsonOk(dto::ToJson(**d)));
               }});

  // --- incidents ---
  router_.Add(
      {"POST", "/api/v1/incidents", true,
       [&deps, &opts](const Request& req, const PathParams&, Responder r) {
         auto body = dto::ParseBodyObject(req.body);
         if (!body.ok()) return r(ErrorResponse(body.status()));
         auto in = dto::ToNewIncident(*body);
         if (!in.ok()) return r(ErrorResponse(in.status()));
         auto id = std::make_shared<std::string>();
         SubmitCommand(
             deps, opts,
             [in = std::move(*in), id](domain::Transaction& tx, const domain::CommandContext& ctx) {
               return domain::CreateIncident(tx, ctx, in, id.get());
             },
             std::move(r),
             [id](const auto&, Response* res) {
               res->headers.emplace_back("Location", "/api/v1/incidents/" + *id);
             });
       }});
  router_.Add({"GET", "/api/v1/incidents", true,
               [&deps](const Request& req, const PathParams&, Responder r) {
                 Query q = Query::Parse(req.query);
                 storage::IncidentQuery iq;
                 // `filter` is what the original's code reads, `type` what its README says.
                 std::optional<std::string> filter = q.Get("filter");
                 std::string param = "filter";
                 if (!filter) {
                   filter = q.Get("type");
                   param = "type";
                 }
                 if (filter) {
                   if (*filter == "in-progress") {
                     iq.filter = storage::IncidentFilter::kInProgress;
                   } else if (*filter == "unfinished") {
                     iq.filter = storage::IncidentFilter::kUnfinished;
                   } else {
                     return r(ErrorResponse(Status::InvalidArgument(
                         param, "must be in-progress or unfinished, got \"" +
                                    filter->substr(0, 64) + "\"")));
                   }
                 }
                 iq.project_id = q.Get("project_id");
                 auto rows = deps.store->ListIncidents(iq);
                 if (!rows.ok()) return r(ErrorResponse(rows.status()));
                 json::array out;
                 out.reserve(rows->size());
                 for (const auto& i : *rows) out.push_back(dto::ToJson(i));
                 r(ListResponse(req, q, out, dto::ToJson(domain::Incident{})));
               }});
  router_.Add({"GET", "/api/v1/incidents/:incident_id", true,
               [&deps](const Request&, const PathParams& p, Responder r) {
                 auto i = deps.store->GetIncident(Router::Param(p, "incident_id"));
                 if (!i.ok()) return r(ErrorResponse(i.status()));
                 if (!i->has_value()) {
                   return r(ErrorResponse(Status::NotFound("Incident does not exist")));
                 }
                 r(JsonOk(dto::ToJson(**i)));
               }});
  for (const char* action : {"restored", "finished"}) {
    bool restore = std::string_view(action) == "restored";
    router_.Add({"POST", std::string("/api/v1/incidents/:incident_id/") + action, true,
                 [&deps, &opts, restore](const Request& req, const PathParams& p, Responder r) {
                   auto body = dto::ParseBodyObject(req.body);
                   if (!body.ok()) return r(ErrorResponse(body.status()));
                   auto in = dto::ToIncidentTransition(*body, Router::Param(p, "incident_id"));
                   if (!in.ok()) return r(ErrorResponse(in.status()));
                   SubmitCommand(
                       deps, opts,
                       [in = std::move(*in), restore](domain::Transaction& tx,
                                                      const domain::CommandContext& ctx) {
                         return restore ? domain::RestoreIncident(tx, ctx, in)
                                        : domain::FinishIncident(tx, ctx, in);
                       },
                       std::move(r));
                 }});
  }
}

}  // namespace emm::api
