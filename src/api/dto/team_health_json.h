// Team-health reports and explanations as JSON: durations in seconds, sizes in lines, missing data
// null (never 0 or NaN). Shapes: docs/team-health.md.
#pragma once

#include <boost/json.hpp>

#include "domain/team_health.h"

namespace emm::api::dto {

// The report's sections, added to `out`: "pull_requests" and "tickets".
void AddTeamHealth(const domain::TeamHealthReport& r, boost::json::object* out);

// The same figures as one flat row (start, end, group, then a column per value), for Grafana's
// Infinity data source and CSV; `group` is the team (null: none asked, or no team).
boost::json::object TeamHealthRow(const domain::TeamHealthReport& r,
                                  const boost::json::value& group);

// The engineer count: {"count": N or null, "unknown_reason": null or why}.
boost::json::object EngineersJson(const domain::EngineerCount& e);

// One pull request an explanation counts: its record, the figure's value in the figure's unit
// (ValueUnit), and the review(s) behind it.
boost::json::object CountedJson(domain::TeamHealthFigure figure,
                                const domain::CountedPullRequest& c);
// "seconds", "reviews", "lines", or null (the counts have no value per pull request).
boost::json::value ValueUnit(domain::TeamHealthFigure figure);

boost::json::object ContributorJson(const domain::Contributor& c);

// One ticket an explanation counts: its record, the figure's value in TicketValueUnit ("seconds"
// of worked time, "points" of drift, null for the counts), whether its type is new value
// (innovation_ratio) and the re-opening (tickets_reopened).
boost::json::object CountedTicketJson(domain::TicketFigure figure, const domain::CountedTicket& c);
boost::json::value TicketValueUnit(domain::TicketFigure figure);

}  // namespace emm::api::dto
