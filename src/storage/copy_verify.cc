// VerifyCopy (storage/copy.h): row counts and DORA figures of the two stores side by side.
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <span>

#include "domain/dora.h"
#include "storage/copy.h"

namespace emm::storage {
namespace {

using domain::Transaction;

// Every table's rows, through the interfaces: full scans inside one unit of work (one snapshot).
// A table's rows; none when the store cannot list that table.
using TableCount = std::pair<std::string, std::optional<int64_t>>;

Result<std::vector<TableCount>> CountTables(EventStore& store) {
  std::vector<TableCount> counts;
  EventStore::Work work = [&](Transaction& tx) -> Status {
    counts.clear();
    auto count = [&](const char* table, auto for_each) -> Status {
      int64_t n = 0;
      EMM_RETURN_IF_ERROR((tx.*for_each)([&](const auto&) {
        ++n;
        return Status::Ok();
      }));
      counts.emplace_back(table, n);
      return Status::Ok();
    };
    EMM_RETURN_IF_ERROR(count("deployments", &Transaction::ForEachDeployment));
    EMM_RETURN_IF_ERROR(count("incidents", &Transaction::ForEachIncident));
    EMM_RETURN_IF_ERROR(count("pull_requests", &Transaction::ForEachPullRequest));
    EMM_RETURN_IF_ERROR(count("pull_request_reviews", &Transaction::ForEachPullRequestReview));
    EMM_RETURN_IF_ERROR(count("tickets", &Transaction::ForEachTicket));
    EMM_RETURN_IF_ERROR(count("ticket_status_changes", &Transaction::ForEachTicketStatusChange));
    EMM_RETURN_IF_ERROR(
        count("ticket_estimation_changes", &Transaction::ForEachTicketEstimationChange));
    auto optional = [&](const char* table, auto for_each) -> Status {
      Status listed = count(table, for_each);
      if (listed.code() != StatusCode::kUnimplemented) return listed;
      counts.emplace_back(table, std::nullopt);
      return Status::Ok();
    };
    EMM_RETURN_IF_ERROR(optional("deployment_aliases", &Transaction::ForEachDeploymentAlias));
    EMM_RETURN_IF_ERROR(optional("webhook_deliveries", &Transaction::ForEachDelivery));
    return Status::Ok();
  };
  std::vector<Status> results = store.RunBatch(std::span(&work, 1));
  if (results.empty()) return Status::Internal("the store ran no unit of work");
  if (!results.front().ok()) return results.front();
  auto series = store.ListSeries();
  if (!series.ok()) return series.status();
  counts.emplace_back("metric_series", static_cast<int64_t>(series->size()));
  auto marks = store.ListExportMarks();
  if (!marks.ok()) return marks.status();
  counts.emplace_back("export_marks", static_cast<int64_t>(marks->size()));
  return counts;
}

// One DORA figure: a number (none when the range has no data for it) or a level's name.
struct Figure {
  std::string name;
  std::optional<double> number;
  std::string text;
};

void AddStats(const std::string& name, const domain::DurationStats& s, std::vector<Figure>& out) {
  out.push_back({name + ".count", static_cast<double>(s.count), ""});
  out.push_back({name + ".median", s.median, ""});
  out.push_back({name + ".p90", s.p90, ""});
  out.push_back({name + ".mean", s.mean, ""});
}

void AddLevel(const std::string& name, const std::optional<domain::Level>& level,
              std::vector<Figure>& out) {
  out.push_back({name + ".level", std::nullopt, level ? domain::LevelName(*level) : "-"});
}

void AddRatio(const std::string& name, const domain::DoraReport::Ratio& r,
              std::vector<Figure>& out) {
  out.push_back({name + ".numerator", static_cast<double>(r.numerator), ""});
  out.push_back({name + ".total", static_cast<double>(r.total), ""});
  out.push_back({name + ".ratio", r.ratio, ""});
}

std::vector<Figure> Figures(const domain::DoraReport& r) {
  std::vector<Figure> out;
  const auto& f = r.deployment_frequency;
  out.push_back({"deployment_frequency.count", static_cast<double>(f.count), ""});
  out.push_back({"deployment_frequency.per_day", f.per_day, ""});
  AddLevel("deployment_frequency", f.level, out);
  AddStats("lead_time_for_changes", r.lead_time_for_changes.stats, out);
  AddLevel("lead_time_for_changes", r.lead_time_for_changes.level, out);
  AddRatio("change_failure_rate", r.change_failure_rate, out);
  AddLevel("change_failure_rate", r.change_failure_rate.level, out);
  AddStats("time_to_restore", r.time_to_restore.stats, out);
  AddLevel("time_to_restore", r.time_to_restore.level, out);
  AddStats("failed_deployment_recovery_time", r.failed_deployment_recovery_time, out);
  AddRatio("rework_rate", r.rework_rate, out);
  AddStats("time_to_detect", r.time_to_detect, out);
  AddStats("deployment_duration", r.deployment_duration, out);
  AddLevel("overall", r.overall_level, out);
  return out;
}

// Locale-independent, 10 significant digits: enough to see a difference the check reports.
std::string Text(const Figure& f) {
  if (!f.text.empty()) return f.text;
  if (!f.number) return "-";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, *f.number, std::chars_format::general, 10);
  return std::string(buf, r.ptr);
}

bool Same(const Figure& a, const Figure& b) {
  if (a.text != b.text || a.number.has_value() != b.number.has_value()) return false;
  if (!a.number) return true;
  const double x = *a.number, y = *b.number;
  return x == y || std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
}

bool SameReport(const std::vector<Figure>& a, const std::vector<Figure>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!Same(a[i], b[i])) return false;
  }
  return true;
}

Result<domain::DoraFacts> Facts(EventStore& store, const CopyReport& report) {
  DoraQuery q;
  q.from = report.from;
  q.to = report.to;
  return store.LoadDoraFacts(q);
}

}  // namespace

bool CopyVerification::ok() const {
  for (const CopyCheck& c : checks) {
    if (!c.equal) return false;
  }
  return true;
}

Result<CopyVerification> VerifyCopy(EventStore& from, EventStore& to, const CopyReport& report) {
  CopyVerification v;
  auto source_counts = CountTables(from);
  if (!source_counts.ok()) return source_counts.status();
  auto target_counts = CountTables(to);
  if (!target_counts.ok()) return target_counts.status();
  auto text = [](const std::optional<int64_t>& n) {
    return n ? std::to_string(*n) : std::string("cannot list");
  };
  for (size_t i = 0; i < source_counts->size(); ++i) {
    const auto& [table, n] = (*source_counts)[i];
    const std::optional<int64_t>& m = (*target_counts)[i].second;
    const bool checked = n && m;
    v.checks.push_back({table, text(n), text(m), !checked || *n == *m, checked});
  }
  if (report.from >= report.to) return v;  // no deployments nor incidents: no figures

  auto source_facts = Facts(from, report);
  if (!source_facts.ok()) return source_facts.status();
  auto target_facts = Facts(to, report);
  if (!target_facts.ok()) return target_facts.status();
  const std::vector<Figure> source =
      Figures(domain::ComputeDora(report.from, report.to, *source_facts));
  const std::vector<Figure> target =
      Figures(domain::ComputeDora(report.from, report.to, *target_facts));
  for (size_t i = 0; i < source.size() && i < target.size(); ++i) {
    v.checks.push_back(
        {"dora." + source[i].name, Text(source[i]), Text(target[i]), Same(source[i], target[i])});
  }
  // Per project: equal sums can hide a deployment counted in the wrong project.
  std::map<std::string, std::vector<Figure>> source_projects, target_projects;
  for (const auto& [project, facts] : domain::Partition(*source_facts, domain::GroupBy::kProject)) {
    source_projects[project] = Figures(domain::ComputeDora(report.from, report.to, facts));
  }
  for (const auto& [project, facts] : domain::Partition(*target_facts, domain::GroupBy::kProject)) {
    target_projects[project] = Figures(domain::ComputeDora(report.from, report.to, facts));
  }
  int64_t differing = 0;
  for (const auto& [project, figures] : source_projects) {
    auto it = target_projects.find(project);
    if (it == target_projects.end() || !SameReport(figures, it->second)) {
      ++differing;
      v.checks.push_back({"dora[" + project + "]", "its figures",
                          it == target_projects.end() ? "missing" : "other figures", false});
    }
  }
  for (const auto& [project, figures] : target_projects) {
    if (!source_projects.count(project)) {
      ++differing;
      v.checks.push_back({"dora[" + project + "]", "missing", "its figures", false});
    }
  }
  v.checks.push_back({"dora per project (projects)", std::to_string(source_projects.size()),
                      std::to_string(target_projects.size()), differing == 0});
  return v;
}

}  // namespace emm::storage
