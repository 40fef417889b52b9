#include "domain/commands.h"

#include <algorithm>
#include <map>
#include <set>

#include "domain/pull_requests.h"
#include "domain/tickets.h"

namespace emm::domain {
namespace {

double Seconds(TimeMs from, TimeMs to) { return static_cast<double>(to - from) / 1000.0; }

Sample Make(const MetricDef& def, const std::string& project, const std::string& team,
            const std::string& env, double value = 1) {
  return Sample{&def, project, team, env, value};
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

void NoteDeploymentTimes(const CommandContext& ctx, const Deployment& d) {
  if (!d.deployed_at) return;
  if (d.first_commit_at && *d.deployed_at < *d.first_commit_at) {
    ctx.Note("deployment", d.id, "deployed_at",
             IsBefore("deployed_at", *d.deployed_at, "first_commit_at", *d.first_commit_at) +
                 ": no lead time recorded");
  }
  if (*d.deployed_at < d.deploy_start_at) {
    ctx.Note("deployment", d.id, "deployed_at",
             IsBefore("deployed_at", *d.deployed_at, "deploy_start_at", d.deploy_start_at) +
                 ": no deployment duration recorded");
  }
}

// Checks the times this command set: `restored` and/or `finished`.
void NoteIncidentTimes(const CommandContext& ctx, const Incident& i, bool restored,
                       bool finished) {
  if (restored && i.restored_at && *i.restored_at < i.started_at) {
    ctx.Note("incident", i.id, "restored_at",
             IsBefore("restored_at", *i.restored_at, "started_at", i.started_at) +
                 ": no time to restore recorded");
  }
  if (!finished || !i.finished_at) return;
  if (*i.finished_at < i.started_at) {
    ctx.Note("incident", i.id, "finished_at",
             IsBefore("finished_at", *i.finished_at, "started_at", i.started_at));
  } else if (i.restored_at && *i.finished_at < *i.restored_at) {
    ctx.Note("incident", i.id, "finished_at",
             IsBefore("finished_at", *i.finished_at, "restored_at", *i.restored_at));
  }
}

// Samples for a new incident, given its deployment (if linked) and whether that deployment
// already had incidents (change failures count distinct deployments).
std::vector<Sample> SamplesForIncidentCreated(const Incident& i, const Deployment* d,
                                              bool deployment_already_failed) {
  std::vector<Sample> out;
  out.push_back(Make(kIncidentCount, i.project_id, i.team_id, i.environment));
  if (d != nullptr) {
    if (!deployment_already_failed) {
      out.push_back(Make(kChangeFailureCount, d->project_id, d->team_id, d->environment));
    }
    // Detection is measured from the deployment that shipped the fault; an incident that
    // started before its deployment reached production has no meaningful detection time.
    if (d->deployed_at && i.started_at >= *d->deployed_at) {
      out.push_back(Make(kTimeToDetect, i.project_id, i.team_id, i.environment,
                         Seconds(*d->deployed_at, i.started_at)));
    }
  }
  return out;
}

}  // namespace

std::string IsBefore(std::string_view field, TimeMs at, std::string_view other, TimeMs other_at) {
  return std::string(field) + " (" + FormatTimestamp(at) + ") is before " + std::string(other) +
         " (" + FormatTimestamp(other_at) + ")";
}

std::vector<Sample> SamplesForDeploymentCreated(const Deployment& d) {
  return {Make(kDeploymentStarted, d.project_id, d.team_id, d.environment)};
}

// Durations from times that contradict each other (skewed clocks) would be negative: they are
// left out, while the events themselves still count.
std::vector<Sample> SamplesForDeploymentDeployed(const Deployment& d) {
  TimeMs at = d.deployed_at.value_or(d.deploy_start_at);
  std::vector<Sample> out{Make(kDeploymentFrequency, d.project_id, d.team_id, d.environment)};
  if (d.first_commit_at && at >= *d.first_commit_at) {
    out.push_back(Make(kLeadTimeForChanges, d.project_id, d.team_id, d.environment,
                       Seconds(*d.first_commit_at, at)));
  }
  if (at >= d.deploy_start_at) {
    out.push_back(Make(kDeploymentDuration, d.project_id, d.team_id, d.environment,
                       Seconds(d.deploy_start_at, at)));
  }
  return out;
}

std::vector<Sample> SamplesForIncidentRestored(const Incident& i) {
  TimeMs at = i.restored_at.value_or(i.started_at);
  std::vector<Sample> out{Make(kIncidentRestored, i.project_id, i.team_id, i.environment)};
  if (at >= i.started_at) {
    out.push_back(
        Make(kTimeToRestore, i.project_id, i.team_id, i.environment, Seconds(i.started_at, at)));
  }
  return out;
}

std::vector<Sample> SamplesForIncidentFinished(const Incident& i) {
  return {Make(kIncidentFinished, i.project_id, i.team_id, i.environment)};
}

Status Record(Transaction& tx, const std::vector<Sample>& samples, TimeMs now) {
  for (const Sample& s : samples) {
    SeriesKey key = s.Key();
    auto found = tx.FindSeries(key);
    if (!found.ok()) return found.status();
    SeriesState state = found->has_value() ? std::move(**found)
                                           : SeriesState::Empty(*s.metric, std::move(key), now);
    state.Fold(s.value, now);
    EMM_RETURN_IF_ERROR(tx.PutSeries(state));
  }
  return Status::Ok();
}

// Keeps the deployment's failure facts current: failed once an incident is linked to it, and
// recovered at the earliest restore among its incidents.
Status NoteLinkedIncident(Transaction& tx, Deployment d, const Incident& i) {
  const bool recovers = i.restored_at && (!d.recovered_at || *i.restored_at < *d.recovered_at);
  if (d.failed && !recovers) return Status::Ok();
  d.failed = true;
  if (recovers) d.recovered_at = i.restored_at;
  return tx.UpdateDeployment(d);
}

namespace {

Status PutAliases(Transaction& tx, const Deployment& d, const std::vector<std::string>& aliases) {
  for (const std::string& alias : aliases) {
    EMM_RETURN_IF_ERROR(
        tx.PutDeploymentAlias(alias, d.id, d.deployed_at.value_or(d.deploy_start_at)));
  }
  return Status::Ok();
}

// The deployment the first hint that names one finds (as an id, else as an alias); none when no
// hint does.
Result<std::optional<Deployment>> FindHintedDeployment(Transaction& tx,
                                                       const std::vector<std::string>& hints) {
  for (const std::string& hint : hints) {
    auto by_id = tx.FindDeployment(hint);
    if (!by_id.ok() || by_id->has_value()) return by_id;
    auto alias = tx.FindDeploymentByAlias(hint);
    if (!alias.ok()) return alias.status();
    if (!alias->has_value()) continue;
    auto aliased = tx.FindDeployment(**alias);
    if (!aliased.ok() || aliased->has_value()) return aliased;
  }
  return std::optional<Deployment>();
}

}  // namespace

// The same after an incident's restore: looks its deployment up.
Status NoteRestore(Transaction& tx, const Incident& i) {
  if (!i.deployment_id) return Status::Ok();
  auto d = tx.FindDeployment(*i.deployment_id);
  if (!d.ok()) return d.status();
  if (!d->has_value()) return Status::Ok();
  return NoteLinkedIncident(tx, std::move(**d), i);
}

Result<Outcome> CreateDeployment(Transaction& tx, const CommandContext& ctx,
                                 const NewDeployment& in) {
  Deployment d;
  d.id = in.id;
  d.project_id = in.project_id;
  d.environment = in.environment.value_or(ctx.default_environment);
  d.first_commit_at = in.first_commit_at;
  // A start the client did not send never contradicts the times it did send.
  d.deploy_start_at = in.deploy_start_at.value_or(
      in.deployed_at ? std::min(ctx.now, *in.deployed_at) : ctx.now);
  d.created_at = ctx.now;
  d.kind = in.kind.value_or(DeploymentKind::kPlanned);
  d.commit_sha = in.commit_sha.value_or("");
  d.team_id = ctx.teams->Resolve(d.project_id, in.username, in.username_host);
  if (in.deployed_at) {
    d.deployed_at = in.deployed_at;
    d.status = DeploymentStatus::kDeployed;
  }
  // The store refuses a taken id (no separate lookup on this hot path).
  Status inserted = tx.InsertDeployment(d);
  if (inserted.code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("id", "deployment " + Quoted(d.id) + " already exists");
  }
  EMM_RETURN_IF_ERROR(inserted);
  EMM_RETURN_IF_ERROR(PutAliases(tx, d, in.aliases));
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForDeploymentCreated(d), ctx.now));
  if (d.status == DeploymentStatus::kDeployed) {
    EMM_RETURN_IF_ERROR(Record(tx, SamplesForDeploymentDeployed(d), ctx.now));
    NoteDeploymentTimes(ctx, d);
  }
  return Outcome::kCreated;
}

Result<Outcome> MarkDeploymentDeployed(Transaction& tx, const CommandContext& ctx,
                                       const MarkDeployed& in) {
  auto existing = tx.FindDeployment(in.id);
  if (!existing.ok()) return existing.status();
  const TimeMs deployed_at = in.deployed_at.value_or(ctx.now);

  if (!existing->has_value()) {
    if (!in.create_if_not_exists) return Status::NotFound("Deployment does not exist");
    std::vector<FieldError> errors;
    constexpr const char* kRequired = "is required when create_if_not_exists is true";
    if (!in.project_id) errors.push_back({"project_id", kRequired});
    if (!in.first_commit_at && !in.first_commit_unknown) {
      errors.push_back({"first_commit_at", kRequired});
    }
    if (!errors.empty()) return Status::Invalid(std::move(errors));
    NewDeployment create{in.id,
                         *in.project_id,
                         in.username,
                         in.environment,
                         in.first_commit_at,
                         in.deploy_start_at,
                         deployed_at,
                         in.kind,
                         in.commit_sha,
                         in.aliases,
                         in.username_host};
    return CreateDeployment(tx, ctx, create);
  }

  Deployment d = std::move(**existing);
  if (d.status == DeploymentStatus::kDeployed) return Outcome::kUnchanged;
  // The team follows the stored project (the body's project_id never moves a deployment); a
  // username given now can settle a project shared by several teams.
  std::string team = ctx.teams->Resolve(d.project_id, in.username, in.username_host);
  if (!team.empty()) d.team_id = std::move(team);
  d.deployed_at = deployed_at;
  d.status = DeploymentStatus::kDeployed;
  if (in.kind) d.kind = *in.kind;
  if (in.commit_sha) d.commit_sha = *in.commit_sha;
  EMM_RETURN_IF_ERROR(tx.UpdateDeployment(d));
  EMM_RETURN_IF_ERROR(PutAliases(tx, d, in.aliases));
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForDeploymentDeployed(d), ctx.now));
  NoteDeploymentTimes(ctx, d);
  return Outcome::kUpdated;
}

Result<Outcome> CreateIncident(Transaction& tx, const CommandContext& ctx, const NewIncident& in,
                               std::string* id_out) {
  Incident i;
  i.project_id = in.project_id;
  // A start the client did not send never contradicts the times it did send.
  TimeMs earliest = ctx.now;
  if (in.restored_at) earliest = std::min(earliest, *in.restored_at);
  if (in.finished_at) earliest = std::min(earliest, *in.finished_at);
  i.started_at = in.started_at.value_or(earliest);
  i.restored_at = in.restored_at ? in.restored_at : in.finished_at;
  i.finished_at = in.finished_at;
  i.created_at = ctx.now;

  std::vector<FieldError> errors;
  std::optional<Deployment> deployment;
  if (in.deployment_id) {
    auto found = tx.FindDeployment(*in.deployment_id);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      errors.push_back({"deployment_id", "no deployment with id " + Quoted(*in.deployment_id)});
    } else {
      deployment = std::move(**found);
    }
  } else {
    auto hinted = FindHintedDeployment(tx, in.deployment_hints);
    if (!hinted.ok()) return hinted.status();
    deployment = std::move(*hinted);
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));

  if (in.id) {
    auto found = tx.FindIncident(*in.id);
    if (!found.ok()) return found.status();
    if (found->has_value()) {
      return Status::AlreadyExists("id", "incident " + Quoted(*in.id) + " already exists");
    }
    i.id = *in.id;
  } else {
    // The original's scheme, made collision-free: writes are serialised, so count + probe is safe.
    auto n = tx.CountIncidentsOfProject(i.project_id);
    if (!n.ok()) return n.status();
    for (int64_t k = *n + 1;; ++k) {
      std::string candidate = "incident_" + i.project_id + "_" + std::to_string(k);
      auto found = tx.FindIncident(candidate);
      if (!found.ok()) return found.status();
      if (!found->has_value()) {
        i.id = std::move(candidate);
        break;
      }
    }
  }
  if (deployment) i.deployment_id = deployment->id;
  i.environment = in.environment ? *in.environment
                  : deployment   ? deployment->environment
                                 : ctx.default_environment;
  i.team_id = ctx.teams->Resolve(i.project_id, "");
  if (i.team_id.empty() && deployment) i.team_id = deployment->team_id;

  bool already_failed = false;
  if (deployment) {
    auto prior = tx.CountIncidentsOfDeployment(deployment->id);
    if (!prior.ok()) return prior.status();
    already_failed = *prior > 0;
  }
  EMM_RETURN_IF_ERROR(tx.InsertIncident(i));
  if (deployment) EMM_RETURN_IF_ERROR(NoteLinkedIncident(tx, *deployment, i));
  std::vector<Sample> samples =
      SamplesForIncidentCreated(i, deployment ? &*deployment : nullptr, already_failed);
  if (i.restored_at) {
    auto more = SamplesForIncidentRestored(i);
    samples.insert(samples.end(), more.begin(), more.end());
  }
  if (i.finished_at) {
    auto more = SamplesForIncidentFinished(i);
    samples.insert(samples.end(), more.begin(), more.end());
  }
  EMM_RETURN_IF_ERROR(Record(tx, samples, ctx.now));
  NoteIncidentTimes(ctx, i, /*restored=*/true, /*finished=*/true);
  if (id_out) *id_out = i.id;
  return Outcome::kCreated;
}

Result<Outcome> RestoreIncident(Transaction& tx, const CommandContext& ctx,
                                const IncidentTransition& in) {
  auto found = tx.FindIncident(in.id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("Incident does not exist");
  Incident i = std::move(**found);
  if (i.restored_at) return Outcome::kUnchanged;
  i.restored_at = in.date.value_or(ctx.now);
  EMM_RETURN_IF_ERROR(tx.UpdateIncident(i));
  EMM_RETURN_IF_ERROR(NoteRestore(tx, i));
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForIncidentRestored(i), ctx.now));
  NoteIncidentTimes(ctx, i, /*restored=*/true, /*finished=*/false);
  return Outcome::kUpdated;
}

Result<Outcome> FinishIncident(Transaction& tx, const CommandContext& ctx,
                               const IncidentTransition& in) {
  auto found = tx.FindIncident(in.id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("Incident does not exist");
  Incident i = std::move(**found);
  if (i.finished_at) return Outcome::kUnchanged;
  TimeMs at = in.date.value_or(ctx.now);
  std::vector<Sample> samples;
  const bool restores = !i.restored_at;
  if (restores) {
    i.restored_at = at;
    samples = SamplesForIncidentRestored(i);
    EMM_RETURN_IF_ERROR(NoteRestore(tx, i));
  }
  i.finished_at = at;
  auto more = SamplesForIncidentFinished(i);
  samples.insert(samples.end(), more.begin(), more.end());
  EMM_RETURN_IF_ERROR(tx.UpdateIncident(i));
  EMM_RETURN_IF_ERROR(Record(tx, samples, ctx.now));
  NoteIncidentTimes(ctx, i, restores, /*finished=*/true);
  return Outcome::kUpdated;
}

Status RebuildMetrics(Transaction& tx, const CommandContext& ctx) {
  std::map<SeriesKey, SeriesState> series;
  auto fold = [&](const std::vector<Sample>& samples) {
    for (const Sample& s : samples) {
      SeriesKey key = s.Key();
      auto it = series.find(key);
      if (it == series.end()) {
        it = series.emplace(key, SeriesState::Empty(*s.metric, key, ctx.now)).first;
      }
      it->second.Fold(s.value, ctx.now);
    }
  };
  EMM_RETURN_IF_ERROR(tx.ForEachDeployment([&](const Deployment& d) {
    fold(SamplesForDeploymentCreated(d));
    if (d.status == DeploymentStatus::kDeployed) fold(SamplesForDeploymentDeployed(d));
    return Status::Ok();
  }));
  std::set<std::string> failed;
  EMM_RETURN_IF_ERROR(tx.ForEachIncident([&](const Incident& i) {
    std::optional<Deployment> d;
    if (i.deployment_id) {
      auto found = tx.FindDeployment(*i.deployment_id);
      if (!found.ok()) return found.status();
      d = std::move(*found);
    }
    bool already = d && !failed.insert(d->id).second;
    fold(SamplesForIncidentCreated(i, d ? &*d : nullptr, already));
    if (i.restored_at) fold(SamplesForIncidentRestored(i));
    if (i.finished_at) fold(SamplesForIncidentFinished(i));
    return Status::Ok();
  }));
  // Pull requests: opened, then each review in the order stored (the first review and the first
  // approval of each give its durations), then closed or merged with the reviews up to the merge.
  std::map<std::string, PullRequest> pull_requests;
  EMM_RETURN_IF_ERROR(tx.ForEachPullRequest([&](const PullRequest& pr) {
    fold(SamplesForPullRequestOpened(pr));
    pull_requests.emplace(pr.id, pr);
    return Status::Ok();
  }));
  std::map<std::string, std::pair<bool, bool>> reviewed;  // id -> (reviewed, approved) so far
  std::map<std::string, int64_t> reviews_by_merge;
  EMM_RETURN_IF_ERROR(tx.ForEachPullRequestReview([&](const PullRequestReview& r) {
    auto pr = pull_requests.find(r.pull_request_id);
    if (pr == pull_requests.end()) return Status::Ok();
    auto& [was_reviewed, was_approved] = reviewed[r.pull_request_id];
    fold(SamplesForPullRequestReview(pr->second, r, !was_reviewed, r.approved && !was_approved));
    was_reviewed = true;
    was_approved = was_approved || r.approved;
    if (!pr->second.merged_at || r.reviewed_at <= *pr->second.merged_at) {
      ++reviews_by_merge[r.pull_request_id];
    }
    return Status::Ok();
  }));
  for (auto& [id, pr] : pull_requests) {
    if (pr.merged_at) {
      pr.reviews = reviews_by_merge[id];
      fold(SamplesForPullRequestMerged(pr));
    } else if (pr.closed_at) {
      fold(SamplesForPullRequestClosed(pr));
    }
  }
  EMM_RETURN_IF_ERROR(ReplayTickets(tx, fold));
  EMM_RETURN_IF_ERROR(tx.ClearSeries());
  for (const auto& [key, state] : series) EMM_RETURN_IF_ERROR(tx.PutSeries(state));
  return Status::Ok();
}

}  // namespace emm::domain
