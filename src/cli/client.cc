#include "cli/client.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "auth/crypto.h"
#include "cli/ci_environment.h"
#include "cli/client_request.h"
#include "common/time.h"
#include "export/retry.h"

namespace emm::cli {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string NowTimestamp() {
  return FormatTimestamp(SystemClock::Instance().NowMs());
}

struct Connection {
  std::string url, token, basic_username, basic_password;
  int64_t timeout_ms = 10000;
};

// The flags every subcommand shares: where the server is, how to authenticate, how to retry.
void AddConnectionFlags(CLI::App* app, Connection* c, RetryPolicy* r) {
  app->add_option("--url", c->url,
                  "server base URL, e.g. https://em-metrics.example.com (env EM_METRICS_URL, "
                  "else the original action's EM_METRICS_ENDPOINT)")
      ->envname("EM_METRICS_URL");
  app->add_option("--token", c->token,
                  "sent as 'Authorization: Token <token>' (env EM_METRICS_TOKEN, else the "
                  "server's EM_METRICS_TOKEN_AUTH)")
      ->envname("EM_METRICS_TOKEN");
  app->add_option("--basic-auth-username", c->basic_username, "HTTP basic auth user")
      ->envname("EM_METRICS_BASIC_AUTH_USERNAME");
  app->add_option("--basic-auth-password", c->basic_password, "HTTP basic auth password")
      ->envname("EM_METRICS_BASIC_AUTH_PASSWORD");
  app->add_option("--timeout-ms", c->timeout_ms, "one attempt's time limit")
      ->envname("EM_METRICS_CLIENT_TIMEOUT_MS")->capture_default_str();
  app->add_option("--retries", r->max_attempts, "attempts at most (429, 502, 503, no answer)")
      ->envname("EM_METRICS_CLIENT_RETRIES")->check(CLI::Range(1, 100))->capture_default_str();
  app->add_option("--retry-max-time-ms", r->max_total_ms, "no new attempt after this long")
      ->envname("EM_METRICS_CLIENT_RETRY_MAX_TIME_MS")->capture_default_str();
  app->add_option("--retry-backoff-ms", r->initial_backoff_ms,
                  "first wait between attempts; doubled each time, with jitter, up to 10 s")
      ->envname("EM_METRICS_CLIENT_RETRY_BACKOFF_MS")->capture_default_str();
}

void AddField(CLI::App* app, const char* flag, std::optional<std::string>* field,
              const std::string& help) {
  app->add_option(flag, *field, help);
}

void AddDeploymentFlags(CLI::App* app, ClientFields* f) {
  AddField(app, "--id", &f->id, "deployment id (default: GITHUB_RUN_ID, or CI_PIPELINE_ID)");
  AddField(app, "--project-id", &f->project_id,
           "project (default: GITHUB_REPOSITORY, or CI_PROJECT_PATH)");
  AddField(app, "--first-commit-at", &f->first_commit_at,
           "earliest commit of what ships (default: from git log, see docs/ci-client.md)");
  AddField(app, "--deploy-start-at", &f->deploy_start_at, "pipeline start (default: the server's)");
  AddField(app, "--deployed-at", &f->deployed_at, "when it was deployed (default: now)");
  AddField(app, "--environment", &f->environment,
           "environment (default: CI_ENVIRONMENT_NAME, else the server's)");
  AddField(app, "--kind", &f->kind, "planned (default), hotfix or rollback");
  AddField(app, "--commit-sha", &f->commit_sha,
           "the commit that ships (default: GITHUB_SHA, or CI_COMMIT_SHA)");
  AddField(app, "--username", &f->username, "GitHub login, for the team lookup");
}

void AddIncidentFlags(CLI::App* app, const std::string& verb, ClientFields* f) {
  if (verb == "open") {
    AddField(app, "--id", &f->id, "incident id (default: the server's incident_<project>_<N>)");
    AddField(app, "--project-id", &f->project_id,
             "project (default: GITHUB_REPOSITORY, or CI_PROJECT_PATH)");
    AddField(app, "--deployment-id", &f->deployment_id, "the deployment that caused it");
    AddField(app, "--environment", &f->environment,
             "environment (default: CI_ENVIRONMENT_NAME, else the deployment's)");
    AddField(app, "--started-at", &f->started_at, "start (default: now)");
    AddField(app, "--restored-at", &f->restored_at, "restored already at");
    AddField(app, "--finished-at", &f->finished_at, "finished already at");
    return;
  }
  app->add_option("--id", f->id, "incident id")->required();
  if (verb == "restore") AddField(app, "--restored-at", &f->restored_at, "default: now");
  if (verb == "finish") AddField(app, "--finished-at", &f->finished_at, "default: now");
}

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

bool IsRetryable(int status) {
  return status == 0 || status == 429 || status == 502 || status == 503;
}

net::OutboundResponse SendWithRetry(net::HttpTransport& transport,
                                    const net::OutboundRequest& request, const RetryPolicy& policy,
                                    int* attempts) {
  exporting::Backoff backoff(policy.initial_backoff_ms, policy.max_backoff_ms);
  const int64_t deadline = SteadyMs() + policy.max_total_ms;
  net::OutboundResponse response;
  for (*attempts = 1;; ++*attempts) {
    response = transport.Send(request);
    if (!IsRetryable(response.status) || *attempts >= policy.max_attempts) return response;
    int64_t wait = backoff.NextDelayMs();
    if (auto after = response.Header("retry-after")) {
      if (auto ms = exporting::ParseRetryAfter(*after, SystemClock::Instance().NowMs())) wait = *ms;
    }
    if (SteadyMs() + wait >= deadline) return response;
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

int ClientMain(int argc, char** argv, const config::GetEnv& env) {
  const std::string noun = argv[1];
  CLI::App app("em-metrics " + noun + ": record a " + noun + " from a CI job (docs/ci-client.md)",
               "em-metrics " + noun);
  app.require_subcommand(1);
  ClientFields fields;
  Connection conn;
  RetryPolicy retry;
  const bool deployment = noun == "deployment";
  std::vector<std::pair<std::string, std::string>> verbs =
      deployment ? std::vector<std::pair<std::string, std::string>>{
                       {"start", "a deployment starts (POST /api/v1/deployments)"},
                       {"finish", "it is deployed (POST /api/v1/deployments/:id/deployed)"},
                       {"record", "one already deployed (POST /api/v1/deployments, deployed_at)"}}
                 : std::vector<std::pair<std::string, std::string>>{
                       {"open", "an incident starts (POST /api/v1/incidents)"},
                       {"restore", "service is restored (POST /api/v1/incidents/:id/restored)"},
                       {"finish", "it is closed (POST /api/v1/incidents/:id/finished)"}};
  for (const auto& [verb, help] : verbs) {
    CLI::App* sub = app.add_subcommand(verb, help);
    AddConnectionFlags(sub, &conn, &retry);
    if (deployment) {
      AddDeploymentFlags(sub, &fields);
      if (verb == "finish") {
        sub->add_flag("--create-if-not-exists", fields.create_if_not_exists,
                      "create it when it was never started (needs --project-id and "
                      "--first-commit-at)");
      }
    } else {
      AddIncidentFlags(sub, verb, &fields);
    }
  }
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kClientOk : kClientUsage;
  }
  const std::string verb = app.get_subcommands().front()->get_name();
  const std::string prefix = "em-metrics " + noun + " " + verb + ": ";

  CiDefaults ci = DetectCi(env);
  ApplyCiDefaults(noun, ci, &fields);
  if (deployment && !fields.first_commit_at && (verb != "finish" || fields.create_if_not_exists)) {
    fields.first_commit_at = FirstCommitAtFromGit(fields.commit_sha, ci.before_sha);
    if (!fields.first_commit_at) fields.first_commit_at = ci.commit_at;
  }
  auto request = BuildClientRequest(noun, verb, fields, NowTimestamp());
  if (!request.ok()) {
    std::cerr << prefix << request.status().message()
              << (ci.system.empty() ? "" : " (not found in " + ci.system + "'s variables)")
              << "\n";
    return kClientUsage;
  }
  if (conn.url.empty()) conn.url = env("EM_METRICS_ENDPOINT").value_or("");
  if (conn.token.empty()) conn.token = env("EM_METRICS_TOKEN_AUTH").value_or("");
  if (conn.url.empty()) {
    std::cerr << prefix << "--url (or EM_METRICS_URL) is required\n";
    return kClientUsage;
  }
  while (!conn.url.empty() && conn.url.back() == '/') conn.url.pop_back();

  net::OutboundRequest out;
  out.method = "POST";
  out.url = conn.url + request->path;
  out.body = request->body;
  out.timeout_ms = conn.timeout_ms;
  out.headers = {{"Content-Type", "application/json"}};
  if (!conn.token.empty()) {
    out.headers.emplace_back("Authorization", "Token " + conn.token);
  } else if (!conn.basic_username.empty() || !conn.basic_password.empty()) {
    out.headers.emplace_back(
        "Authorization",
        "Basic " + auth::Base64Encode(conn.basic_username + ":" + conn.basic_password));
  }
  net::CurlOptions curl;
  curl.user_agent = "em-metrics-ci-client";
  auto transport = net::MakeCurlHttpTransport(curl);
  int attempts = 0;
  net::OutboundResponse r = SendWithRetry(*transport, out, retry, &attempts);
  const std::string tries = " after " + std::to_string(attempts) + " attempt(s)";
  if (r.status >= 200 && r.status < 300) {
    std::cerr << prefix << "ok (" << r.status << ")\n";
    // A created object's id on stdout (the server names incidents): ID=$(em-metrics incident open)
    if (auto location = r.Header("location")) {
      std::cout << CreatedId(request->path, std::string(*location)) << "\n";
    }
    return kClientOk;
  }
  // A creation retried after an attempt whose answer was lost finds its own record: 409 then
  // means the earlier attempt was stored, which is what the step asked for.
  if (r.status == 409 && attempts > 1) {
    std::cerr << prefix << "ok: already stored (409" << tries
              << "; an earlier attempt's answer was lost): " << OneLine(r.body) << "\n";
    return kClientOk;
  }
  if (r.status == 0) {
    std::cerr << prefix << "unreachable" << tries << ": " << OneLine(r.error) << "\n";
    return kClientUnreachable;
  }
  if (IsRetryable(r.status)) {
    std::cerr << prefix << "server busy (" << r.status << ")" << tries << ": " << OneLine(r.body)
              << "\n";
    return kClientUnreachable;
  }
  std::cerr << prefix << "refused (" << r.status << "): " << OneLine(r.body) << "\n";
  return kClientRefused;
}

}  // namespace emm::cli
