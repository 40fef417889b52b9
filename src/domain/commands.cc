#include "domain/commands.h"

#include <map>
#include <set>

namespace emm::domain {
namespace {

double Seconds(TimeMs from, TimeMs to) { return static_cast<double>(to - from) / 1000.0; }

Sample Make(const MetricDef& def, const std::string& project, const std::string& team,
            const std::string& env, double value = 1) {
  return Sample{&def, project, team, env, value};
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Before(std::string_view other, TimeMs t) {
  return "must not be before " + std::string(other) + " (" + FormatTimestamp(t) + ")";
}

std::string After(std::string_view other, TimeMs t) {
  return "must not be after " + std::string(other) + " (" + FormatTimestamp(t) + ")";
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

std::vector<Sample> SamplesForDeploymentCreated(const Deployment& d) {
  return {Make(kDeploymentStarted, d.project_id, d.team_id, d.environment)};
}

std::vector<Sample> SamplesForDeploymentDeployed(const Deployment& d) {
  TimeMs at = d.deployed_at.value_or(d.deploy_start_at);
  return {Make(kDeploymentFrequency, d.project_id, d.team_id, d.environment),
          Make(kLeadTimeForChanges, d.project_id, d.team_id, d.environment,
               Seconds(d.first_commit_at, at)),
          Make(kDeploymentDuration, d.project_id, d.team_id, d.environment,
               Seconds(d.deploy_start_at, at))};
}

std::vector<Sample> SamplesForIncidentRestored(const Incident& i) {
  TimeMs at = i.restored_at.value_or(i.started_at);
  return {Make(kIncidentRestored, i.project_id, i.team_id, i.environment),
          Make(kTimeToRestore, i.project_id, i.team_id, i.environment, Seconds(i.started_at, at))};
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
  d.deploy_start_at = in.deploy_start_at.value_or(ctx.now);
  d.created_at = ctx.now;
  d.kind = in.kind.value_or(DeploymentKind::kPlanned);
  d.commit_sha = in.commit_sha.value_or("");
  std::vector<FieldError> errors;
  if (in.deployed_at) {
    if (d.first_commit_at > *in.deployed_at) {
      errors.push_back({"first_commit_at", After("deployed_at", *in.deployed_at)});
    }
    if (d.deploy_start_at > *in.deployed_at) {
      errors.push_back({"deploy_start_at", After("deployed_at", *in.deployed_at)});
    }
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));

  d.team_id = ctx.teams->Resolve(d.project_id, in.username);
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
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForDeploymentCreated(d), ctx.now));
  if (d.status == DeploymentStatus::kDeployed) {
    EMM_RETURN_IF_ERROR(Record(tx, SamplesForDeploymentDeployed(d), ctx.now));
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
    if (!in.first_commit_at) errors.push_back({"first_commit_at", kRequired});
    if (!in.deploy_start_at) errors.push_back({"deploy_start_at", kRequired});
    if (!errors.empty()) return Status::Invalid(std::move(errors));
    NewDeployment create{in.id,
                         *in.project_id,
                         in.username,
                         in.environment,
                         *in.first_commit_at,
                         in.deploy_start_at,
                         deployed_at,
                         in.kind,
                         in.commit_sha};
    return CreateDeployment(tx, ctx, create);
  }

  Deployment d = std::move(**existing);
  if (d.status == DeploymentStatus::kDeployed) return Outcome::kUnchanged;
  std::vector<FieldError> errors;
  if (deployed_at < d.first_commit_at) {
    errors.push_back(
        {"deployed_at", Before("the deployment's first_commit_at", d.first_commit_at)});
  }
  if (deployed_at < d.deploy_start_at) {
    errors.push_back(
        {"deployed_at", Before("the deployment's deploy_start_at", d.deploy_start_at)});
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  // The team follows the stored project (the body's project_id never moves a deployment); a
  // username given now can settle a project shared by several teams.
  std::string team = ctx.teams->Resolve(d.project_id, in.username);
  if (!team.empty()) d.team_id = std::move(team);
  d.deployed_at = deployed_at;
  d.status = DeploymentStatus::kDeployed;
  if (in.kind) d.kind = *in.kind;
  if (in.commit_sha) d.commit_sha = *in.commit_sha;
  EMM_RETURN_IF_ERROR(tx.UpdateDeployment(d));
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForDeploymentDeployed(d), ctx.now));
  return Outcome::kUpdated;
}

Result<Outcome> CreateIncident(Transaction& tx, const CommandContext& ctx, const NewIncident& in,
                               std::string* id_out) {
  Incident i;
  i.project_id = in.project_id;
  i.started_at = in.started_at.value_or(ctx.now);
  i.restored_at = in.restored_at ? in.restored_at : in.finished_at;
  i.finished_at = in.finished_at;
  i.created_at = ctx.now;

  std::vector<FieldError> errors;
  if (in.restored_at && *in.restored_at < i.started_at) {
    errors.push_back({"restored_at", Before("started_at", i.started_at)});
  }
  if (in.finished_at && *in.finished_at < i.started_at) {
    errors.push_back({"finished_at", Before("started_at", i.started_at)});
  } else if (in.finished_at && in.restored_at && *in.finished_at < *in.restored_at) {
    errors.push_back({"finished_at", Before("restored_at", *in.restored_at)});
  }
  std::optional<Deployment> deployment;
  if (in.deployment_id) {
    auto found = tx.FindDeployment(*in.deployment_id);
    if (!found.ok()) return found.status();
    if (!found->has_value()) {
      errors.push_back({"deployment_id", "no deployment with id " + Quoted(*in.deployment_id)});
    } else {
      deployment = std::move(**found);
    }
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
  i.deployment_id = in.deployment_id;
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
  TimeMs at = in.date.value_or(ctx.now);
  if (at < i.started_at) {
    return Status::InvalidArgument("date", Before("the incident's started_at", i.started_at));
  }
  i.restored_at = at;
  EMM_RETURN_IF_ERROR(tx.UpdateIncident(i));
  EMM_RETURN_IF_ERROR(NoteRestore(tx, i));
  EMM_RETURN_IF_ERROR(Record(tx, SamplesForIncidentRestored(i), ctx.now));
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
  if (at < i.started_at) {
    return Status::InvalidArgument("date", Before("the incident's started_at", i.started_at));
  }
  if (i.restored_at && at < *i.restored_at) {
    return Status::InvalidArgument("date", Before("the incident's restored_at", *i.restored_at));
  }
  std::vector<Sample> samples;
  if (!i.restored_at) {
    i.restored_at = at;
    samples = SamplesForIncidentRestored(i);
    EMM_RETURN_IF_ERROR(NoteRestore(tx, i));
  }
  i.finished_at = at;
  auto more = SamplesForIncidentFinished(i);
  samples.insert(samples.end(), more.begin(), more.end());
  EMM_RETURN_IF_ERROR(tx.UpdateIncident(i));
  EMM_RETURN_IF_ERROR(Record(tx, samples, ctx.now));
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
  EMM_RETURN_IF_ERROR(tx.ClearSeries());
  for (const auto& [key, state] : series) EMM_RETURN_IF_ERROR(tx.PutSeries(state));
  return Status::Ok();
}

}  // namespace emm::domain
