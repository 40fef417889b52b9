#include "cli/client_request.h"

#include <boost/json.hpp>

#include "common/percent.h"

namespace emm::cli {
namespace {

void Put(boost::json::object& o, const char* key, const std::optional<std::string>& v) {
  if (v) o[key] = *v;
}

Status Require(const std::optional<std::string>& v, const char* flag) {
  if (v && !v->empty()) return Status::Ok();
  return Status::InvalidArgument(flag, std::string(flag) + " is required");
}

Result<ClientRequest> Deployment(const std::string& verb, const ClientFields& f,
                                 const std::string& now) {
  EMM_RETURN_IF_ERROR(Require(f.id, "--id"));
  boost::json::object o;
  if (verb == "finish") {
    o["create_if_not_exists"] = f.create_if_not_exists;
  } else {
    o["id"] = *f.id;
  }
  Put(o, "project_id", f.project_id);
  Put(o, "first_commit_at", f.first_commit_at);
  Put(o, "deploy_start_at", f.deploy_start_at);
  // record: a deployment created already deployed (POST /deployments with deployed_at).
  if (verb == "record") o["deployed_at"] = f.deployed_at.value_or(now);
  if (verb == "finish") Put(o, "deployed_at", f.deployed_at);
  Put(o, "environment", f.environment);
  Put(o, "kind", f.kind);
  Put(o, "commit_sha", f.commit_sha);
  Put(o, "username", f.username);
  if (verb != "finish" || f.create_if_not_exists) {
    EMM_RETURN_IF_ERROR(Require(f.project_id, "--project-id"));
    EMM_RETURN_IF_ERROR(Require(f.first_commit_at, "--first-commit-at"));
  }
  std::string path = "/api/v1/deployments";
  if (verb == "finish") path += "/" + PercentEncodeSegment(*f.id) + "/deployed";
  return ClientRequest{path, boost::json::serialize(o)};
}

Result<ClientRequest> Incident(const std::string& verb, const ClientFields& f) {
  boost::json::object o;
  if (verb == "open") {
    EMM_RETURN_IF_ERROR(Require(f.project_id, "--project-id"));
    Put(o, "id", f.id);
    Put(o, "project_id", f.project_id);
    Put(o, "deployment_id", f.deployment_id);
    Put(o, "environment", f.environment);
    Put(o, "started_at", f.started_at);
    Put(o, "restored_at", f.restored_at);
    Put(o, "finished_at", f.finished_at);
    return ClientRequest{"/api/v1/incidents", boost::json::serialize(o)};
  }
  EMM_RETURN_IF_ERROR(Require(f.id, "--id"));
  Put(o, "date", verb == "restore" ? f.restored_at : f.finished_at);
  std::string suffix = verb == "restore" ? "/restored" : "/finished";
  return ClientRequest{"/api/v1/incidents/" + PercentEncodeSegment(*f.id) + suffix,
                       boost::json::serialize(o)};
}

}  // namespace

void ApplyCiDefaults(const std::string& noun, const CiDefaults& ci, ClientFields* f) {
  auto fill = [](std::optional<std::string>& field, const std::optional<std::string>& v) {
    if (!field && v) field = v;
  };
  // A pipeline's id names a deployment; an incident's id is the server's to choose.
  if (noun == "deployment") {
    fill(f->id, ci.id);
    fill(f->commit_sha, ci.commit_sha);
  }
  fill(f->project_id, ci.project_id);
  fill(f->environment, ci.environment);
}

Result<ClientRequest> BuildClientRequest(const std::string& noun, const std::string& verb,
                                         const ClientFields& f, const std::string& now) {
  if (noun == "deployment" && (verb == "start" || verb == "finish" || verb == "record")) {
    return Deployment(verb, f, now);
  }
  if (noun == "incident" && (verb == "open" || verb == "restore" || verb == "finish")) {
    return Incident(verb, f);
  }
  return Status::InvalidArgument("command", "unknown command " + noun + " " + verb);
}

std::string CreatedId(const std::string& path, const std::string& location) {
  const std::string prefix = path + "/";
  if (location.size() > prefix.size() && location.compare(0, prefix.size(), prefix) == 0) {
    return PercentDecode(location.substr(prefix.size()), false);
  }
  return PercentDecode(location.substr(location.rfind('/') + 1), false);
}

}  // namespace emm::cli
