// The teams config file (CONFIG): teams own projects and users; incident tools' incidents are
// routed to projects. Validated on load with errors that name the file, the key and the problem;
// kept verbatim for GET /api/v1/config.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/teams.h"
#include "domain/tickets.h"

namespace emm::config {

// How one incident tool's incidents find their project (teams file: incidents.<tool>).
struct IncidentRouting {
  // A PagerDuty service (id or name), or a value of incident.io's `project_field` -> project id.
  std::map<std::string, std::string, std::less<>> projects;
  // The project of incidents `projects` does not place; "": those incidents are not taken.
  std::string default_project;
  std::string environment;       // of the incidents; "": DEPLOYMENT_ENVIRONMENT
  std::string project_field;     // incident.io: the custom field (name or id) looked up
  std::string deployment_field;  // incident.io: the custom field holding a deployment id

  // The project of the first of `keys` that `projects` names, else default_project ("": none).
  std::string ProjectOf(const std::vector<std::string>& keys) const;
};

struct IncidentSources {
  IncidentRouting pagerduty;    // incidents.pagerduty
  IncidentRouting incident_io;  // incidents.incident_io
};

// A GitHub Actions workflow whose successful runs are deployments (POST /webhooks/github,
// workflow_run events).
struct DeploymentWorkflow {
  std::string workflow;     // the workflow file's path (".github/workflows/deploy.yml") or name
  std::string repository;   // owner/name; "" = any repository
  std::string environment;  // "" = DEPLOYMENT_ENVIRONMENT
};

// The teams file's optional "github" object: how GitHub's deliveries map to em-metrics' events.
struct GitHubMapping {
  // repository full_name ("acme/api") -> project id; a repository not listed is its own project
  // (its full_name).
  std::map<std::string, std::string, std::less<>> projects;
  std::vector<DeploymentWorkflow> deployment_workflows;

  std::string ProjectOf(std::string_view full_name) const;
  // The first entry for this run's repository whose workflow is its path or its name; null when
  // the workflow is not a deployment.
  const DeploymentWorkflow* FindWorkflow(std::string_view repository, std::string_view path,
                                         std::string_view name) const;
};

struct TeamsConfig {
  std::string path;         // as given ("" when no file)
  std::string json = "{}";  // the file's JSON, re-serialised compactly
  domain::TeamDirectory directory;
  IncidentSources incidents;
  GitHubMapping github;
  domain::TicketingOptions ticketing;  // the ticketing.linear block (defaults when absent)
};

// Reads and validates `path`, resolved against the working directory. kInvalidArgument names the
// file and key ("config.json: teams.backend.projects[1]: must be a string").
Result<TeamsConfig> LoadTeamsFile(const std::string& path);

// Validates JSON text (the file's content); `name` prefixes messages.
Result<TeamsConfig> ParseTeamsConfig(std::string_view text, const std::string& name);

// The current teams config, swapped atomically on reload (SIGHUP) so that requests in flight keep
// the snapshot they started with.
class TeamsHolder {
 public:
  explicit TeamsHolder(TeamsConfig initial)
      : current_(std::make_shared<const TeamsConfig>(std::move(initial))) {}
  std::shared_ptr<const TeamsConfig> Get() const { return current_.load(); }
  void Set(TeamsConfig next) {
    current_.store(std::make_shared<const TeamsConfig>(std::move(next)));
  }

 private:
  std::atomic<std::shared_ptr<const TeamsConfig>> current_;
};

}  // namespace emm::config
