#include "api/dto/team_health_json.h"

#include "api/dto/json_values.h"

namespace emm::api::dto {
namespace json = boost::json;
namespace {

using domain::TeamHealthFigure;

json::value OptInt(const std::optional<int64_t>& n) { return n ? json::value(*n) : json::value(); }
json::value OptCount(const std::optional<size_t>& n) { return n ? json::value(*n) : json::value(); }

json::value Seconds(int64_t ms) { return Num(static_cast<double>(ms) / 1000.0); }

json::object Summary(const domain::DurationStats& s, const char* unit) {
  return json::object{{"count", s.count},
                      {"median", Opt(s.median)},
                      {"p90", Opt(s.p90)},
                      {"unit", unit}};
}

json::object TicketsJson(const domain::TicketReport& r) {
  const domain::TicketThroughput& t = r.throughput;
  const domain::InnovationRatio& i = r.innovation_ratio;
  const domain::EstimateDrift& d = r.estimate_drift;
  json::object drift = Summary(d.points, "points");
  drift["changed"] = d.changed;
  drift["changed_share"] = Opt(d.changed_share);
  drift["without_estimates"] = d.without_estimates;
  return json::object{
      {"throughput", json::object{{"finished", t.finished},
                                  {"per_week", Num(t.per_week)},
                                  {"weeks", Num(t.weeks)},
                                  {"canceled", t.canceled},
                                  {"reopened", t.reopened}}},
      {"innovation_ratio", json::object{{"value", Opt(i.value)},
                                        {"new_value_seconds", Num(i.new_value_seconds)},
                                        {"seconds", Num(i.seconds)},
                                        {"tickets", i.tickets},
                                        {"new_value_tickets", i.new_value_tickets},
                                        {"unknown_type_tickets", i.unknown_type_tickets},
                                        {"unknown_type_seconds", Num(i.unknown_type_seconds)},
                                        {"reason", OptString(i.reason)}}},
      {"estimate_drift", std::move(drift)}};
}

json::object ReviewJson(const domain::ReviewFact& r) {
  return json::object{{"reviewer", OptString(r.reviewer)},
                      {"reviewed_at", FormatTimestamp(r.reviewed_at)},
                      {"approved", r.approved}};
}

}  // namespace

json::object EngineersJson(const domain::EngineerCount& e) {
  return json::object{
      {"count", OptCount(e.count)},
      {"unknown_reason", OptString(e.unknown_reason)}};
}

void AddTeamHealth(const domain::TeamHealthReport& report, json::object* out) {
  const domain::PullRequestReport& r = report.pull_requests;
  json::object prs{{"opened", r.opened}, {"merged", r.merged}, {"closed", r.closed}};
  prs["engineers"] = EngineersJson(r.engineers);
  prs["merged_per_engineer_per_week"] =
      json::object{{"value", Opt(r.merged_per_engineer_per_week)},
                   {"merged", r.merged},
                   {"engineers", OptCount(r.engineers.count)},
                   {"weeks", Num(r.weeks)},
                   {"reason", OptString(r.per_engineer_reason)}};
  prs["time_to_first_review"] = Summary(r.time_to_first_review, "seconds");
  prs["time_to_approve"] = Summary(r.time_to_approve, "seconds");
  prs["time_to_merge"] = Summary(r.time_to_merge, "seconds");
  json::object reviews = Summary(r.reviews_per_pr, "reviews");
  reviews["reviews"] = r.reviews;
  reviews["mean"] = Opt(r.reviews_per_pr.mean);
  prs["reviews_per_pr"] = std::move(reviews);
  prs["size"] = Summary(r.size, "lines");
  (*out)["pull_requests"] = std::move(prs);
  (*out)["tickets"] = TicketsJson(report.tickets);
}

json::object TeamHealthRow(const domain::TeamHealthReport& report, const json::value& group) {
  const domain::PullRequestReport& r = report.pull_requests;
  const domain::TicketReport& t = report.tickets;
  return json::object{
      {"start", FormatTimestamp(report.from)},
      {"end", FormatTimestamp(report.to)},
      {"group", group},
      {"opened", r.opened},
      {"merged", r.merged},
      {"closed", r.closed},
      {"engineers", OptCount(r.engineers.count)},
      {"merged_per_engineer_per_week", Opt(r.merged_per_engineer_per_week)},
      {"engineers_unknown_reason", OptString(r.engineers.unknown_reason)},
      {"time_to_first_review_median", Opt(r.time_to_first_review.median)},
      {"time_to_first_review_p90", Opt(r.time_to_first_review.p90)},
      {"time_to_approve_median", Opt(r.time_to_approve.median)},
      {"time_to_approve_p90", Opt(r.time_to_approve.p90)},
      {"time_to_merge_median", Opt(r.time_to_merge.median)},
      {"time_to_merge_p90", Opt(r.time_to_merge.p90)},
      {"reviews_per_pr_median", Opt(r.reviews_per_pr.median)},
      {"reviews_per_pr_p90", Opt(r.reviews_per_pr.p90)},
      {"reviews_per_pr_mean", Opt(r.reviews_per_pr.mean)},
      {"size_median", Opt(r.size.median)},
      {"size_p90", Opt(r.size.p90)},
      {"tickets_finished", t.throughput.finished},
      {"tickets_finished_per_week", Num(t.throughput.per_week)},
      {"tickets_canceled", t.throughput.canceled},
      {"tickets_reopened", t.throughput.reopened},
      {"innovation_ratio", Opt(t.innovation_ratio.value)},
      {"innovation_ratio_reason", OptString(t.innovation_ratio.reason)},
      {"new_value_seconds", Num(t.innovation_ratio.new_value_seconds)},
      {"ticket_seconds", Num(t.innovation_ratio.seconds)},
      {"estimate_drift_median", Opt(t.estimate_drift.points.median)},
      {"estimate_drift_p90", Opt(t.estimate_drift.points.p90)},
      {"estimate_changed_share", Opt(t.estimate_drift.changed_share)}};
}

json::value ValueUnit(TeamHealthFigure figure) {
  if (domain::IsDurationFigure(figure)) return "seconds";
  if (figure == TeamHealthFigure::kReviewsPerPr) return "reviews";
  if (figure == TeamHealthFigure::kSize) return "lines";
  return nullptr;
}

json::object CountedJson(TeamHealthFigure figure, const domain::CountedPullRequest& c) {
  const domain::PullRequestFact& pr = *c.pull_request;
  json::object o{{"id", pr.id},
                 {"team_id", OptString(pr.team_id)},
                 {"author", OptString(pr.author)},
                 {"opened_at", FormatTimestamp(pr.opened_at)},
                 {"merged_at", OptTime(pr.merged_at)},
                 {"closed_at", OptTime(pr.closed_at)},
                 {"additions", OptInt(pr.additions)},
                 {"deletions", OptInt(pr.deletions)}};
  if (c.value) o["value"] = domain::IsDurationFigure(figure) ? Seconds(*c.value) : json::value(*c.value);
  if (c.review != nullptr) o["review"] = ReviewJson(*c.review);
  if (figure == TeamHealthFigure::kReviewsPerPr) {
    json::array reviews;
    for (const domain::ReviewFact* r : c.reviews) reviews.push_back(ReviewJson(*r));
    o["reviews"] = std::move(reviews);
  }
  return o;
}

json::object ContributorJson(const domain::Contributor& c) {
  return json::object{{"login", OptString(c.login)},  {"team_id", OptString(c.team_id)},
                      {"authored", c.authored},     {"reviewed", c.reviewed},
                      {"engineer", c.engineer},     {"reason", OptString(c.reason)}};
}

json::value TicketValueUnit(domain::TicketFigure figure) {
  if (figure == domain::TicketFigure::kInnovationRatio) return "seconds";
  if (figure == domain::TicketFigure::kEstimateDrift) return "points";
  return nullptr;
}

json::object CountedTicketJson(domain::TicketFigure figure, const domain::CountedTicket& c) {
  const domain::TicketFact& t = *c.ticket;
  json::object o{{"id", t.id},
                 {"team_id", OptString(t.team_id)},
                 {"project_id", OptString(t.project_id)},
                 {"ticket_type", t.ticket_type},
                 {"status", domain::TicketStatusName(t.status)},
                 {"created_at", FormatTimestamp(t.created_at)},
                 {"started_at", OptTime(t.started_at)},
                 {"first_done_at", OptTime(t.first_done_at)},
                 {"finished_at", OptTime(t.finished_at)},
                 {"canceled_at", OptTime(t.canceled_at)},
                 {"initial_estimation", Opt(t.initial_estimation)},
                 {"final_estimation", Opt(t.final_estimation)},
                 {"estimate_changes", t.estimate_changes}};
  if (figure == domain::TicketFigure::kReopened) o["reopened_at"] = FormatTimestamp(c.at);
  if (c.value) o["value"] = Num(*c.value);
  if (figure == domain::TicketFigure::kInnovationRatio) {
    o["new_value"] = c.new_value ? json::value(*c.new_value) : json::value();
  }
  return o;
}

}  // namespace emm::api::dto
