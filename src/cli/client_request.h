// The CI client's subcommands as API requests: which route, which JSON body (docs/ci-client.md).
// Pure, so the mapping from flags (and CI defaults) to fields is tested without a server.
#pragma once

#include <optional>
#include <string>

#include "cli/ci_environment.h"
#include "common/status.h"

namespace emm::cli {

// Every flag the subcommands take, named after the API's fields; unset flags stay nullopt.
struct ClientFields {
  std::optional<std::string> id, project_id, first_commit_at, deploy_start_at, deployed_at,
      environment, kind, commit_sha, username, deployment_id, started_at, restored_at,
      finished_at;
  bool create_if_not_exists = false;
};

struct ClientRequest {
  std::string path;  // e.g. /api/v1/deployments/42/deployed (ids percent-encoded)
  std::string body;  // JSON object
};

// Fills unset fields from the CI's variables for the subcommands that use them: the id (a
// deployment's, never an incident's), project, environment and commit sha.
void ApplyCiDefaults(const std::string& noun, const CiDefaults& ci, ClientFields* f);

// `noun` "deployment" (verb start | finish | record) or "incident" (open | restore | finish).
// `now` is the deployed_at of `record` when none is given. An InvalidArgument names the flag
// that is missing.
Result<ClientRequest> BuildClientRequest(const std::string& noun, const std::string& verb,
                                         const ClientFields& f, const std::string& now);

// The id a creation's `Location` names: what follows the collection `path` the request was sent
// to, percent-decoded (ids may hold '/', e.g. incident_group/app_3 for a GitLab project: encoded
// by this server, left bare by the original and by em-metrics before 2026-12), else its last
// segment.
std::string CreatedId(const std::string& path, const std::string& location);

}  // namespace emm::cli
