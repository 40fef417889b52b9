#include "api/routes.h"

#include "api/handlers.h"

namespace emm::api {
namespace {

// Unknown query parameters are refused on every route but GET /health, the original's two lists
// included: its documented clients never send any (the GitHub Actions and pipelines only POST; its
// README's one query parameter, `type` on GET /incidents, is taken), and a misspelt filter
// (`projet_id=web`) silently answering everything is worse than a 400 naming it. GET /health is
// the exception: probes may carry parameters of their own (see ignores_unknown_params).
constexpr std::span<const std::string_view> kNone;
constexpr std::string_view kListDeployments[] = {"project_id", "environment", "from",  "to",
                                                 "tz",         "limit",       "offset", "format"};
// `filter` is what the original's code reads, `type` what its README says.
constexpr std::string_view kListIncidents[] = {"filter", "type", "project_id", "format"};
constexpr std::string_view kListPullRequests[] = {"team_id", "limit", "offset", "format"};
constexpr std::string_view kListTickets[] = {"team_id", "project_id", "status",
                                             "limit",   "offset",     "format"};
constexpr std::string_view kTicketingStats[] = {"format"};
constexpr std::string_view kDora[] = {"from",     "to",       "project_id", "team",   "environment",
                                      "interval", "group_by", "link",       "preset", "format",
                                      "tz"};
constexpr std::string_view kExplain[] = {"metric", "from",   "to",     "tz",
                                         "project_id", "team", "environment", "link",
                                         "limit",  "cursor", "left_out_cursor"};
constexpr std::string_view kAnnotations[] = {"from", "to",          "tz",  "project_id",
                                             "team", "environment", "type"};
// Pull requests carry a team only; project_id is taken for the ticket figures to come.
constexpr std::string_view kTeamHealth[] = {"from",       "to",       "tz",       "team",
                                            "project_id", "interval", "group_by", "format"};
constexpr std::string_view kTeamHealthExplain[] = {"metric", "from",   "to",
                                                   "tz",     "team",   "project_id",
                                                   "limit",  "cursor", "left_out_cursor"};
// GitLab's DORA API parameters (environment_tiers also in Rails' array form), then our filters.
constexpr std::string_view kGitLabDora[] = {"metric",      "start_date",        "end_date",
                                            "interval",    "environment_tiers", "environment_tiers[]",
                                            "project_id",  "team",              "environment",
                                            "tz"};

constexpr RouteSpec kRoutes[] = {
    {"GET", "/health", Access::kPublic, &GetHealth, kNone, Needs::kNothing,
     /*ignores_unknown_params=*/true},
    {"POST", "/ping", Access::kPublic, &Ping, kNone, Needs::kDevRoutes},
    // Prometheus scrape: computed from the database, so the series survive restarts.
    {"GET", "/metrics", Access::kScrape, &GetMetrics, kNone},
    {"GET", "/api/v1/health", Access::kApi, &GetApiHealth, kNone},
    {"GET", "/api/v1/version", Access::kApi, &GetVersion, kNone},
    {"GET", "/api/v1/config", Access::kApi, &GetConfig, kNone},

    {"GET", "/api/v1/metrics/dora/explain", Access::kApi, &ExplainDora, kExplain, Needs::kStore},
    {"GET", "/api/v1/annotations", Access::kApi, &GetAnnotations, kAnnotations, Needs::kStore},
    {"GET", "/api/v1/metrics/dora", Access::kApi, &GetDora, kDora, Needs::kStore},
    {"GET", "/api/v1/dora/metrics", Access::kApi, &GetGitLabDora, kGitLabDora, Needs::kStore},
    {"GET", "/api/v1/metrics/team-health/explain", Access::kApi, &ExplainTeamHealth,
     kTeamHealthExplain, Needs::kStore},
    {"GET", "/api/v1/metrics/team-health", Access::kApi, &GetTeamHealth, kTeamHealth,
     Needs::kStore},

    {"POST", "/api/v1/deployments", Access::kApi, &PostDeployment, kNone},
    {"POST", "/api/v1/deployments/:deployment_id/deployed", Access::kApi, &PostDeployed, kNone},
    {"GET", "/api/v1/deployments", Access::kApi, &ListDeployments, kListDeployments,
     Needs::kStore},
    {"GET", "/api/v1/deployments/:deployment_id", Access::kApi, &GetDeployment, kNone,
     Needs::kStore},

    {"POST", "/api/v1/incidents", Access::kApi, &PostIncident, kNone},
    {"GET", "/api/v1/incidents", Access::kApi, &ListIncidents, kListIncidents, Needs::kStore},
    {"GET", "/api/v1/incidents/:incident_id", Access::kApi, &GetIncident, kNone, Needs::kStore},
    {"POST", "/api/v1/incidents/:incident_id/restored", Access::kApi, &PostRestored, kNone},
    {"POST", "/api/v1/incidents/:incident_id/finished", Access::kApi, &PostFinished, kNone},

    // Pull requests need their stored opened_at for every duration: no stateless mode (501).
    {"POST", "/api/v1/pull-requests", Access::kApi, &PostPullRequest, kNone, Needs::kStore},
    {"POST", "/api/v1/pull-requests/:pull_request_id/reviewed", Access::kApi,
     &PostPullRequestReviewed, kNone, Needs::kStore},
    {"POST", "/api/v1/pull-requests/:pull_request_id/closed", Access::kApi, &PostPullRequestClosed,
     kNone, Needs::kStore},
    {"POST", "/api/v1/pull-requests/:pull_request_id/merged", Access::kApi, &PostPullRequestMerged,
     kNone, Needs::kStore},
    {"GET", "/api/v1/pull-requests", Access::kApi, &ListPullRequests, kListPullRequests,
     Needs::kStore},
    {"GET", "/api/v1/pull-requests/:pull_request_id", Access::kApi, &GetPullRequest, kNone,
     Needs::kStore},
    // CDEvents as CloudEvents: deployments, incidents and pull requests (a resent event is
    // recognised by its stored delivery id, and pull requests need the store).
    {"POST", "/api/v1/cdevents", Access::kApi, &PostCdEvent, kNone, Needs::kStore},
    // Signed deliveries: the signature is the authentication (401 when it does not match).
    {"POST", "/webhooks/github", Access::kPublic, &PostGitHubWebhook, kNone, Needs::kStore},
    {"POST", "/webhooks/pagerduty", Access::kPublic, &PostPagerDutyWebhook, kNone, Needs::kStore},
    {"POST", "/webhooks/incident-io", Access::kPublic, &PostIncidentIoWebhook, kNone,
     Needs::kStore},

    // Tickets need their stored state (done before? the last estimate?): no stateless mode.
    {"POST", "/api/v1/ticketing/stats", Access::kApi, &PostTicketingStats, kTicketingStats,
     Needs::kStore},
    {"GET", "/api/v1/tickets", Access::kApi, &ListTickets, kListTickets, Needs::kStore},
    {"GET", "/api/v1/tickets/:ticket_id", Access::kApi, &GetTicket, kNone, Needs::kStore},
    {"POST", "/webhooks/linear", Access::kPublic, &PostLinearWebhook, kNone, Needs::kStore},
    // The secret token is the authentication (401 when it does not match).
    {"POST", "/webhooks/gitlab", Access::kPublic, &PostGitLabWebhook, kNone, Needs::kStore},
};

}  // namespace

std::span<const RouteSpec> RouteTable() { return kRoutes; }

}  // namespace emm::api
