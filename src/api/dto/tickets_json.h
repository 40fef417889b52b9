// Tickets at the edge: Linear's Issue deliveries -> domain::TicketUpdate (contract section 11),
// stored tickets and their history -> JSON, and POST /api/v1/ticketing/stats (section 5.4): its
// body, and its figures as the original's JSON and as CSV.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "domain/tickets.h"
#include "storage/event_store.h"

namespace emm::api::dto {

// The original's actor hash: base64 of the SHA-256 of an assignee's e-mail ("" for none), so that
// reports name nobody unless asked to.
std::string ActorHash(std::string_view email);

// An Issue delivery's `data` as the upsert it asks for: id = identifier, team_id = team.key,
// project_id = project.name ("" without a project), the assignee's e-mail hashed, the status from
// state.type, ticket_type from the labels by `options`' selector. Field errors name "data.<path>".
Result<domain::TicketUpdate> ToTicketUpdate(const boost::json::object& data,
                                            const domain::TicketingOptions& options);

// The original's columns first, in its order, then ours.
boost::json::object ToJson(const domain::Ticket& t);
// The ticket with its status_history and estimation_history.
boost::json::object ToJson(const domain::Ticket& t, const storage::TicketHistory& history);

struct TicketStatsRequest {
  TimeMs from = 0;
  TimeMs to = 0;
  std::vector<std::string> unhash_actors;  // e-mails shown instead of their hashes
};

// from and to (default: domain::DefaultTicketStatsRange(now); to must be after from) and
// unhash_actors (at least one e-mail address, each once), every error naming its field.
Result<TicketStatsRequest> ToTicketStatsRequest(const boost::json::object& body, TimeMs now);

// How actors are shown: the hash of each listed e-mail as the e-mail, the hash of "" (no
// assignee) as "no-actor", any other as itself.
class ActorNames {
 public:
  explicit ActorNames(const std::vector<std::string>& emails);
  const std::string& Of(const std::string& hash) const;

 private:
  std::map<std::string, std::string> names_;
};

// {"from", "to", "summary": {"<YYYY-MM-01>": {"by_actor": {"<actor>": {...}}}}}, the original's
// keys.
boost::json::object TicketStatsJson(const domain::TicketStats& stats, TimeMs from, TimeMs to,
                                    const ActorNames& names);
// One line per (month, project, actor), ordered by month, project_id and actor hash, under the
// original's header (its column order), as RFC 4180.
std::string TicketStatsCsv(const domain::TicketStats& stats, const ActorNames& names);

}  // namespace emm::api::dto
