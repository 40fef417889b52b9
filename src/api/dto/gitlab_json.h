// What em-metrics reads of GitLab's webhook payloads (Merge Request Hook, Deployment Hook), with
// each field error named by its path ("object_attributes.iid"). GitLab writes times in RFC 3339
// or in Ruby's form ("2021-04-28 21:50:00 +0200"); both are read.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/time.h"

namespace emm::api::dto {

struct GitLabMergeRequest {
  // "gitlab:<target project id>!<iid>": GitLab's own "project!iid" reference, by the project's
  // id so that renaming the project keeps it; unique on one GitLab.
  std::string id;
  std::string action;  // object_attributes.action
  TimeMs created_at = 0;
  // When the action happened for merge and close (they update the merge request; the payload has
  // no merged_at or closed_at).
  std::optional<TimeMs> updated_at;
  // The payload's user triggered the event; the author only when by_author (always on open, a
  // reopen may be someone else's).
  std::optional<std::string> username;
  bool by_author = false;
};

// REQUIRES: a Merge Request Hook payload (object_attributes with target_project_id, iid and
// created_at).
Result<GitLabMergeRequest> ReadGitLabMergeRequest(const boost::json::object& body);

struct GitLabDeployment {
  std::string id;          // "gitlab:<deployment_id>" (unique on one GitLab)
  std::string status;      // running, success, failed, canceled, ...
  std::string project_id;  // project.path_with_namespace, as teams files name projects
  std::optional<std::string> environment;
  std::optional<TimeMs> at;  // status_changed_at (GitLab 14.0 and later)
  // commit_url's last segment (the full sha), else short_sha.
  std::optional<std::string> commit_sha;
  std::string username;  // the deployer's GitLab username; "" when absent
};

Result<GitLabDeployment> ReadGitLabDeployment(const boost::json::object& body);

}  // namespace emm::api::dto
