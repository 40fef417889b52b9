// Request bodies -> domain commands, and stored events -> response JSON (the original's keys
// first, in its order, then ours).
#pragma once

#include <boost/json.hpp>

#include "common/status.h"
#include "domain/commands.h"
#include "domain/pull_requests.h"
#include "domain/events.h"

namespace emm::api::dto {

Result<domain::NewDeployment> ToNewDeployment(const boost::json::object& body);
Result<domain::MarkDeployed> ToMarkDeployed(const boost::json::object& body, std::string id);
Result<domain::NewIncident> ToNewIncident(const boost::json::object& body);
Result<domain::IncidentTransition> ToIncidentTransition(const boost::json::object& body,
                                                        std::string id);

Result<domain::NewPullRequest> ToNewPullRequest(const boost::json::object& body);
Result<domain::PullRequestReviewed> ToPullRequestReviewed(const boost::json::object& body,
                                                          std::string id);
// /closed reads closed_at, /merged merged_at: `field`.
Result<domain::PullRequestTransition> ToPullRequestTransition(const boost::json::object& body,
                                                              std::string id,
                                                              std::string_view field);

boost::json::object ToJson(const domain::Deployment& d);
boost::json::object ToJson(const domain::Incident& i);
// The original's columns (nb_reviews, nb_comments), then ours.
boost::json::object ToJson(const domain::PullRequest& pr);

}  // namespace emm::api::dto
