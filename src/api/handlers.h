// The route handlers, one file per resource. Each is listed once in the route table (routes.cc),
// which says its method, path, access and query parameters.
#pragma once

#include "api/handler.h"

namespace emm::api {

// health_handlers.cc
void GetHealth(const Env& env, Call call);     // GET /health
void Ping(const Env& env, Call call);          // POST /ping (DEV_ROUTES)
void GetApiHealth(const Env& env, Call call);  // GET /api/v1/health
void GetVersion(const Env& env, Call call);    // GET /api/v1/version
void GetConfig(const Env& env, Call call);     // GET /api/v1/config

// scrape_handler.cc
void GetMetrics(const Env& env, Call call);  // GET /metrics (Prometheus exposition)

// deployment_handlers.cc
void PostDeployment(const Env& env, Call call);    // POST /api/v1/deployments
void PostDeployed(const Env& env, Call call);      // POST /api/v1/deployments/:id/deployed
void ListDeployments(const Env& env, Call call);   // GET /api/v1/deployments
void GetDeployment(const Env& env, Call call);     // GET /api/v1/deployments/:id

// incident_handlers.cc
void PostIncident(const Env& env, Call call);    // POST /api/v1/incidents
void PostRestored(const Env& env, Call call);    // POST /api/v1/incidents/:id/restored
void PostFinished(const Env& env, Call call);    // POST /api/v1/incidents/:id/finished
void ListIncidents(const Env& env, Call call);   // GET /api/v1/incidents
void GetIncident(const Env& env, Call call);     // GET /api/v1/incidents/:id

// pull_request_handlers.cc
void PostPullRequest(const Env& env, Call call);          // POST /api/v1/pull-requests
void PostPullRequestReviewed(const Env& env, Call call);  // POST .../:id/reviewed
void PostPullRequestClosed(const Env& env, Call call);    // POST .../:id/closed
void PostPullRequestMerged(const Env& env, Call call);    // POST .../:id/merged
void ListPullRequests(const Env& env, Call call);         // GET /api/v1/pull-requests
void GetPullRequest(const Env& env, Call call);           // GET /api/v1/pull-requests/:id

// github_webhook_handler.cc
void PostGitHubWebhook(const Env& env, Call call);  // POST /webhooks/github

// pagerduty_webhook_handler.cc, incident_io_webhook_handler.cc
void PostPagerDutyWebhook(const Env& env, Call call);   // POST /webhooks/pagerduty
void PostIncidentIoWebhook(const Env& env, Call call);  // POST /webhooks/incident-io

// ticket_handlers.cc
void ListTickets(const Env& env, Call call);         // GET /api/v1/tickets
void GetTicket(const Env& env, Call call);           // GET /api/v1/tickets/:id
void PostTicketingStats(const Env& env, Call call);  // POST /api/v1/ticketing/stats

// linear_webhook_handler.cc
void PostLinearWebhook(const Env& env, Call call);  // POST /webhooks/linear

// gitlab_webhook_handler.cc
void PostGitLabWebhook(const Env& env, Call call);  // POST /webhooks/gitlab

// cdevents_handler.cc
void PostCdEvent(const Env& env, Call call);  // POST /api/v1/cdevents (CloudEvents over HTTP)

// dora_handlers.cc, explain_handler.cc, annotations_handler.cc
void GetDora(const Env& env, Call call);         // GET /api/v1/metrics/dora
void ExplainDora(const Env& env, Call call);     // GET /api/v1/metrics/dora/explain
void GetAnnotations(const Env& env, Call call);  // GET /api/v1/annotations

// gitlab_dora_handler.cc
void GetGitLabDora(const Env& env, Call call);  // GET /api/v1/dora/metrics (GitLab's shape)

// team_health_handlers.cc
void GetTeamHealth(const Env& env, Call call);      // GET /api/v1/metrics/team-health
void ExplainTeamHealth(const Env& env, Call call);  // GET /api/v1/metrics/team-health/explain

}  // namespace emm::api
