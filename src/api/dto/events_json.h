// Request bodies -> domain commands, and stored events -> response JSON (the original's keys
// first, in its order, then ours).
#pragma once

#include <boost/json.hpp>

#include "common/status.h"
#include "domain/commands.h"
#include "domain/events.h"

namespace emm::api::dto {

Result<domain::NewDeployment> ToNewDeployment(const boost::json::object& body);
Result<domain::MarkDeployed> ToMarkDeployed(const boost::json::object& body, std::string id);
Result<domain::NewIncident> ToNewIncident(const boost::json::object& body);
Result<domain::IncidentTransition> ToIncidentTransition(const boost::json::object& body,
                                                        std::string id);

boost::json::object ToJson(const domain::Deployment& d);
boost::json::object ToJson(const domain::Incident& i);

}  // namespace emm::api::dto
