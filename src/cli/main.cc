// em-metrics: the command line. The only place that picks backends and turns Status into exit
// codes (0 ok, 1 runtime failure, 2 bad configuration or usage).
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/error_response.h"
#include "api/stored_metric_state.h"
#include "auth/authenticator.h"
#include "auth/webhook_signature.h"
#include "cli/client.h"
#include "cli/copy_command.h"
#include "cli/store_choice.h"
#include "common/log.h"
#include "common/time.h"
#include "config/settings.h"
#include "config/teams_file.h"
#include "domain/commands.h"
#include "export/otlp_exporter.h"
#include "export/self_metrics.h"
#include "github/app_client.h"
#include "http/server.h"
#include "net/http_transport.h"
#include "storage/open_store.h"
#include "storage/postgres/pg_export_leader.h"
#include "storage/sqlite/maintenance.h"
#include "storage/write_queue.h"

namespace emm::cli {
namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitConfig = 2;

const char* kUsageHead = R"(em-metrics - DORA and team-health metrics service

Usage:
  em-metrics [serve] [options]     start the HTTP API (the default command)
  em-metrics migrate [options]     apply database migrations and exit
  em-metrics rebuild-metrics [options]
                                   recompute the metric state from the stored events
  em-metrics check [--quick] [options]
                                   check the database file (PRAGMA integrity_check; --quick:
                                   quick_check); exit 0 intact, 1 damaged, the problems printed
  em-metrics backup DEST [options] copy the database into the new file DEST, consistent while
                                   the server keeps writing; the copy is checked before it is
                                   named DEST (restore: docs/operations.md)
                                   check and backup are SQLite's: on PostgreSQL (DATABASE_URL)
                                   use pg_amcheck and pg_dump (docs/postgresql.md)
  em-metrics copy --from sqlite:PATH --to URL [--batch N]
                                   copy the database into PostgreSQL (or a new SQLite file),
                                   resumable, then compare counts and DORA figures (--help)
  em-metrics deployment start | finish | record [flags]
  em-metrics incident open | restore | finish [flags]
                                   the CI client: call a running server's API from a pipeline
                                   (each has its --help; docs/ci-client.md)
  em-metrics help | --help         this text
  em-metrics version | --version   print the version

Every option can also be given by its environment variable; a flag wins over the variable.

Options:
)";

const char* kUsageTail = R"(
Authentication: with none of EM_METRICS_NO_AUTH, EM_METRICS_TOKEN_AUTH or
EM_METRICS_BASIC_AUTH_* set, every /api/v1 request is refused. GET /health is always open;
GET /metrics (Prometheus) needs the same credentials unless EM_METRICS_SCRAPE_NO_AUTH is true.
Signals: SIGHUP reloads the teams config file; SIGTERM/SIGINT finish requests in flight, then exit.
)";

void PrintUsage() { std::cout << kUsageHead << config::SettingsUsage() << kUsageTail; }

Result<storage::OpenedStore> OpenStore(const config::Settings& s, bool serving) {
  auto store = storage::OpenEventStore(ChooseStore(s, serving));
  if (!store.ok()) {
    const StoreName name = NameOf(s);
    log::Error("cannot open the database",
               {{name.key, name.value}, {"error", store.status().ToString()}});
  }
  return store;
}

int ExitCodeFor(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kFailedPrecondition
             ? kExitConfig
             : kExitRuntime;
}

int Migrate(const config::Settings& s) {
  const StoreName name = NameOf(s);
  auto migrated = storage::MigrateEventStore(ChooseStore(s, /*serving=*/false));
  if (!migrated.ok()) {
    log::Error("cannot migrate the database",
               {{name.key, name.value}, {"error", migrated.status().ToString()}});
    return ExitCodeFor(migrated.status());
  }
  log::Info("database is current", {{name.key, name.value},
                                    {"schema_version", migrated->schema_version},
                                    {"applied", migrated->applied.size()}});
  return 0;
}

int RebuildMetrics(const config::Settings& s) {
  auto teams = config::LoadTeamsFile(s.config_path);
  if (!teams.ok()) {
    log::Error("invalid teams config", {{"error", teams.status().message()}});
    return kExitConfig;
  }
  auto store = OpenStore(s, /*serving=*/false);
  if (!store.ok()) return ExitCodeFor(store.status());
  domain::CommandContext ctx{&teams->directory, s.deployment_environment,
                             SystemClock::Instance().NowMs()};
  storage::EventStore::Work work = [&](domain::Transaction& tx) {
    return domain::RebuildMetrics(tx, ctx);
  };
  std::vector<Status> result = store->store->RunBatch(std::span(&work, 1));
  if (!result.front().ok()) {
    log::Error("rebuild failed", {{"error", result.front().ToString()}});
    return kExitRuntime;
  }
  auto series = store->store->ListSeries();
  log::Info("metric state rebuilt", {{"series", series.ok() ? series->size() : 0}});
  return 0;
}

// check and backup read SQLite's file; PostgreSQL has its own tools for both.
int RefuseOnPostgres(const config::Settings& s, const char* command) {
  if (!OnPostgres(s)) return 0;
  std::cerr << "em-metrics " << command
            << ": works on SQLite's file only, and DATABASE_URL selects PostgreSQL: use "
            << (std::string_view(command) == "check" ? "pg_amcheck" : "pg_dump")
            << " instead (docs/postgresql.md#check-and-backup)\n";
  return kExitConfig;
}

int Check(const config::Settings& s, bool quick) {
  if (int refused = RefuseOnPostgres(s, "check")) return refused;
  auto report = storage::sqlite::CheckDatabase(s.sqlite_db, quick);
  if (!report.ok()) {
    std::cerr << "em-metrics check: " << report.status().message() << "\n";
    // A path that names no database is a configuration mistake (2); a file too damaged to
    // open is a finding (1).
    return report.status().code() == StatusCode::kNotFound ? kExitConfig : kExitRuntime;
  }
  if (report->ok()) {
    std::cout << "ok: " << s.sqlite_db << " passed " << (quick ? "quick_check" : "integrity_check")
              << "\n";
    return 0;
  }
  std::cout << "damaged: " << s.sqlite_db << " failed "
            << (quick ? "quick_check" : "integrity_check") << "; the first problems:\n";
  for (const std::string& p : report->problems) {
    for (size_t b = 0, e; b < p.size(); b = e + 1) {
      e = p.find('\n', b);
      if (e == std::string::npos) e = p.size();
      std::cout << "  " << p.substr(b, e - b) << "\n";
    }
  }
  std::cout << "Stop em-metrics and restore the last good backup (docs/operations.md).\n";
  return kExitRuntime;
}

int Backup(const config::Settings& s, const std::string& dest) {
  if (int refused = RefuseOnPostgres(s, "backup")) return refused;
  auto report = storage::sqlite::BackupDatabase(s.sqlite_db, dest);
  if (!report.ok()) {
    std::cerr << "em-metrics backup: " << report.status().message() << "\n";
    return report.status().code() == StatusCode::kAlreadyExists ? kExitConfig : kExitRuntime;
  }
  std::cout << "backed up " << s.sqlite_db << " to " << dest << " (" << report->bytes
            << " bytes, " << report->deployments << " deployments, " << report->incidents
            << " incidents; integrity_check ok)\n";
  return 0;
}

// What every OTLP sender needs, from the settings; nullopt when no endpoint is configured (or
// push is disabled). Bad values are kInvalidArgument (exit 2).
struct OtlpSetup {
  exporting::Attributes resource;
  exporting::EncodeOptions encode;
  bool gzip = false;
  exporting::CurlOptions curl;
};

Result<std::optional<OtlpSetup>> ReadOtlpSetup(const config::Settings& s) {
  const std::string endpoint = config::MetricsEndpoint(s);
  if (endpoint.empty() || s.otlp_disabled) {
    if (!endpoint.empty()) log::Info("OTLP push disabled", {{"endpoint", endpoint}});
    return std::optional<OtlpSetup>();
  }
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("OTLP endpoint",
                                   "must start with http:// or https://, got \"" + endpoint + "\"");
  }
  auto extra = exporting::ParseResourceAttributes(s.resource_attributes);
  if (!extra.ok()) return extra.status();
  auto headers = exporting::ParseHeaderList(s.otlp_headers);
  if (!headers.ok()) return headers.status();
  OtlpSetup o;
  o.resource = exporting::BuildResource({s.otel_service_name, EMM_VERSION, s.deployment_environment,
                                         exporting::RandomUuid(), std::move(*extra)});
  o.encode.encoding =
      s.otlp_protocol == "http/json" ? exporting::Encoding::kJson : exporting::Encoding::kProtobuf;
  o.encode.temporality = s.otlp_temporality == "delta" ? exporting::Temporality::kDelta
                                                       : exporting::Temporality::kCumulative;
  o.encode.scope_version = EMM_VERSION;
  o.gzip = s.otlp_compression == "gzip";
  o.curl.url = endpoint;
  o.curl.content_type = o.encode.encoding == exporting::Encoding::kJson
                            ? exporting::kJsonContentType
                            : exporting::kProtobufContentType;
  o.curl.headers = std::move(*headers);
  o.curl.timeout_ms = s.otlp_timeout_ms;
  o.curl.ca_file = s.otlp_certificate;
  o.curl.client_cert = s.otlp_client_certificate;
  o.curl.client_key = s.otlp_client_key;
  o.curl.user_agent = std::string("em-metrics/") + EMM_VERSION;
  log::Info("OTLP push enabled", {{"endpoint", endpoint},
                                  {"protocol", s.otlp_protocol},
                                  {"compression", s.otlp_compression},
                                  {"temporality", s.no_store ? "delta" : s.otlp_temporality},
                                  {"mode", s.no_store ? "forward each event" : "periodic"},
                                  {"interval_ms", s.export_interval_ms}});
  return std::optional<OtlpSetup>(std::move(o));
}

std::unique_ptr<exporting::OtlpExporter> MakeExporter(OtlpSetup o, const config::Settings& s,
                                                      exporting::MetricStateSource* state,
                                                      exporting::SelfMetrics* self,
                                                      storage::ExportLeadership* leadership) {
  exporting::ExporterOptions e;
  e.resource = std::move(o.resource);
  e.encode = o.encode;
  e.gzip = o.gzip;
  e.interval_ms = s.export_interval_ms;
  e.export_timeout_ms = s.export_timeout_ms;
  e.max_request_bytes = static_cast<size_t>(s.otlp_max_request_kib) * 1024;
  e.backoff_max_ms = std::max<int64_t>(1000, std::min<int64_t>(30000, s.export_interval_ms));
  return std::make_unique<exporting::OtlpExporter>(std::move(e), state,
                                                   exporting::MakeCurlTransport(o.curl), self,
                                                   &SystemClock::Instance(), leadership);
}

std::unique_ptr<exporting::Forwarder> MakeForwarder(OtlpSetup o, const config::Settings& s,
                                                    exporting::SelfMetrics* self) {
  exporting::ForwarderOptions f;
  f.resource = std::move(o.resource);
  f.encode = o.encode;
  f.gzip = o.gzip;
  f.timeout_ms = s.otlp_timeout_ms;
  return std::make_unique<exporting::Forwarder>(
      std::move(f), [curl = o.curl] { return exporting::MakeCurlTransport(curl); }, self,
      &SystemClock::Instance());
}

// The GitHub App, when GITHUB_CLIENT_ID and GITHUB_RSA_PEM_KEY_B64 are set: its key is checked
// now, so that a bad one stops the start instead of failing each review. Neither set: nullopt
// (deliveries that need the API are 503); one without the other: kInvalidArgument.
struct GitHubSetup {
  std::unique_ptr<net::HttpTransport> transport;
  std::unique_ptr<github::AppClient> client;
  std::unique_ptr<WorkerPool> workers;  // the API calls run here, off the I/O threads
};

Result<GitHubSetup> ReadGitHubSetup(const config::Settings& s) {
  GitHubSetup out;
  const bool id = !s.github_client_id.empty(), key = !s.github_rsa_pem_key_b64.empty();
  if (!id && !key) return out;
  if (!id || !key) {
    return Status::InvalidArgument(
        id ? "GITHUB_RSA_PEM_KEY_B64" : "GITHUB_CLIENT_ID",
        std::string("is not set while ") + (id ? "GITHUB_CLIENT_ID" : "GITHUB_RSA_PEM_KEY_B64") +
            " is: the GitHub App needs both");
  }
  auto parsed = github::AppKey::Parse(s.github_rsa_pem_key_b64);
  if (!parsed.ok()) return parsed.status();
  net::CurlOptions curl;
  curl.user_agent = std::string("em-metrics/") + EMM_VERSION;
  out.transport = net::MakeCurlHttpTransport(curl);
  github::AppOptions o;
  o.endpoint = s.github_endpoint;
  o.client_id = s.github_client_id;
  o.user_agent = curl.user_agent;
  out.client = std::make_unique<github::AppClient>(o, std::move(*parsed), out.transport.get(),
                                                   &SystemClock::Instance());
  out.workers = std::make_unique<WorkerPool>("emm-github", 2);
  log::Info("GitHub App enabled", {{"endpoint", s.github_endpoint}, {"client_id", s.github_client_id}});
  return out;
}

// File descriptors never given to connections: the database, its WAL and shared memory, SQLite's
// temporary files, the log, the listening socket, epoll and timers, curl's sockets for OTLP. At
// the connection limit the server still opens what it needs and says what is happening.
constexpr int64_t kReservedFds = 64;
// Connections beyond the limit that are still read briefly: /health answers, the rest get 503.
constexpr int kOverflowConnections = 16;

int64_t AsInt(rlim_t v) { return static_cast<int64_t>(std::min<rlim_t>(v, INT64_MAX)); }

// Raises the soft open-file limit to the hard one (a login's default soft 1024 would cap the
// connections far below what the hard limit allows) and returns the soft limit in force.
int64_t RaiseOpenFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    log::Warn("cannot read the open file limit; assuming 1024", {{"error", strerror(errno)}});
    return 1024;
  }
  const rlim_t before = rl.rlim_cur;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      rl = raised;
    } else {
      log::Warn(
          "cannot raise the open file limit",
          {{"soft", AsInt(rl.rlim_cur)}, {"hard", AsInt(rl.rlim_max)}, {"error", strerror(errno)}});
    }
  }
  log::Info("open file limit",
            {{"soft", AsInt(rl.rlim_cur)}, {"hard", AsInt(rl.rlim_max)}, {"was", AsInt(before)}});
  return AsInt(rl.rlim_cur);
}

// The connection cap: the configured one (0: no wish), lowered to what the open-file limit leaves
// after the reserve and the overflow slots; at least 1.
int ConnectionLimit(int configured, int64_t open_file_limit) {
  int64_t fits = std::max<int64_t>(1, open_file_limit - kReservedFds - kOverflowConnections);
  fits = std::min<int64_t>(fits, INT_MAX);
  int limit = configured == 0 ? static_cast<int>(fits)
                              : static_cast<int>(std::min<int64_t>(configured, fits));
  log::Write(configured != 0 && limit < configured ? log::Level::kWarn : log::Level::kInfo,
             "connection limit",
             {{"max_connections", limit},
              {"configured", configured},
              {"overflow", kOverflowConnections},
              {"reserved_fds", kReservedFds},
              {"open_file_limit", open_file_limit}});
  return limit;
}

std::string Hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

int Serve(const config::Settings& s) {
  auto start = std::chrono::steady_clock::now();
  // Signals are taken synchronously by this thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int max_connections = ConnectionLimit(s.max_connections, RaiseOpenFileLimit());

  auto teams = config::LoadTeamsFile(s.config_path);
  if (!teams.ok()) {
    log::Error("invalid teams config", {{"error", teams.status().message()}});
    return kExitConfig;
  }
  config::TeamsHolder teams_holder(std::move(*teams));
  // Every incident.io delivery would be refused: say so now rather than at the first incident.
  if (!s.incident_io_webhook_secret.empty() && !auth::IsSvixSecret(s.incident_io_webhook_secret)) {
    log::Error("invalid INCIDENT_IO_WEBHOOK_SECRET",
               {{"error", "must be the endpoint's signing secret: whsec_ and base64"}});
    return kExitConfig;
  }

  auto otlp = ReadOtlpSetup(s);
  if (!otlp.ok()) {
    log::Error("invalid OTLP settings", {{"error", otlp.status().ToString()}});
    return kExitConfig;
  }
  if (s.no_store && !*otlp) {
    log::Error(
        "SQLITE_DB=none (--no-store) keeps no database, so it needs a collector to forward "
        "to: set OTEL_COLLECTOR_URL or OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT");
    return kExitConfig;
  }
  auto github = ReadGitHubSetup(s);
  if (!github.ok()) {
    log::Error("invalid GitHub App settings", {{"error", github.status().ToString()}});
    return kExitConfig;
  }
  // Stateless mode has no store: every pointer below that depends on one stays null.
  std::unique_ptr<storage::EventStore> store;
  if (!s.no_store) {
    auto opened = OpenStore(s, /*serving=*/true);
    if (!opened.ok()) return ExitCodeFor(opened.status());
    store = std::move(opened->store);
  }

  auth::Authenticator authenticator({s.no_auth, s.token, s.basic_username, s.basic_password});
  if (!s.no_auth && s.token.empty() && !authenticator.basic_enabled()) {
    log::Warn("no authentication configured: every /api/v1 request will be refused",
              {{"hint",
                "set EM_METRICS_TOKEN_AUTH, EM_METRICS_BASIC_AUTH_* or "
                "EM_METRICS_NO_AUTH=true"}});
  }
  // The service's own series on /metrics; counts from this start.
  exporting::SelfMetrics self_metrics(SystemClock::Instance().NowMs());
  std::unique_ptr<storage::WriteQueue> writes;
  std::unique_ptr<api::StoredMetricState> metric_state;  // what /metrics and the exporter read
  std::unique_ptr<storage::ExportLeadership> leadership;  // outlives the exporter
  std::unique_ptr<exporting::OtlpExporter> exporter;
  std::unique_ptr<exporting::Forwarder> forwarder;
  if (s.no_store) {
    forwarder = MakeForwarder(std::move(**otlp), s, &self_metrics);
  } else {
    writes = std::make_unique<storage::WriteQueue>(store.get());
    self_metrics.SetWritePathSource([q = writes.get()] {
      const storage::WriteQueue::Stats s = q->stats();
      return exporting::SelfMetrics::WritePath{s.batches,        s.items,
                                               s.syncs,          s.queued_seconds,
                                               s.batch_seconds,  s.sync_wait_seconds,
                                               s.sync_seconds};
    });
    metric_state = std::make_unique<api::StoredMetricState>(store.get(), writes.get());
    if (*otlp) {
      // Replicas on one PostgreSQL database share one metric state: one of them pushes it.
      if (OnPostgres(s)) {
        leadership = std::make_unique<storage::postgres::PgExportLeader>(
            storage::postgres::PgExportLeaderOptions{s.database_url,
                                                     Hostname() + ":" + std::to_string(getpid())});
      }
      exporter =
          MakeExporter(std::move(**otlp), s, metric_state.get(), &self_metrics, leadership.get());
    }
  }
  api::Api api({s.deployment_environment, s.version, Hostname(), s.dev_routes, s.scrape_no_auth,
                s.github_webhook_secret, s.pagerduty_webhook_secret, s.incident_io_webhook_secret,
                s.linear_secret, domain::BotRule(s.bot_logins), s.gitlab_webhook_token},
               {store.get(), writes.get(), &authenticator, &teams_holder, &SystemClock::Instance(),
                &self_metrics, forwarder.get(), github->client.get(), github->workers.get(),
                metric_state.get()});

  http::ServerOptions so;
  so.host = s.host;
  so.port = s.port;
  so.threads = s.threads;
  so.read_timeout = std::chrono::milliseconds(s.read_timeout_ms);
  so.max_connections = max_connections;
  so.overflow_connections = kOverflowConnections;
  so.refusal_response = api::RefusalResponse;
  auto server =
      std::make_unique<http::Server>(so, [&api](http::Request req, http::Responder respond) {
        api.Handle(std::move(req), std::move(respond));
      });
  Status started = server->Start();
  if (!started.ok()) {
    log::Error("cannot start the HTTP server", {{"error", started.ToString()}});
    return ExitCodeFor(started);
  }
  double startup_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const StoreName store_name = NameOf(s);
  log::Info("listening", {{"host", s.host},
                          {"port", static_cast<int>(server->port())},
                          {store_name.key, store_name.value},
                          {"sync", OnPostgres(s) || s.sqlite_full_sync ? "full" : "normal"},
                          {"config", s.config_path},
                          {"teams", teams_holder.Get()->directory.teams().size()},
                          {"startup_ms", startup_ms}});
  if (exporter) exporter->Start();
  log::Flush();  // whoever waits for this line (a supervisor, a test) sees it at once

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      auto next = config::LoadTeamsFile(s.config_path);
      if (next.ok()) {
        size_t n = next->directory.teams().size();
        teams_holder.Set(std::move(*next));
        log::Info("teams config reloaded", {{"config", s.config_path}, {"teams", n}});
        log::Flush();
      } else {
        log::Error("teams config reload failed; keeping the previous one",
                   {{"error", next.status().message()}});
      }
      continue;
    }
    log::Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                                {"in_flight", server->in_flight()}});
    break;
  }
  // Order matters: answer what is in flight, push the final state (delta marks still need the
  // writer), then let the writer finish, then close the file.
  server->Shutdown(std::chrono::milliseconds(s.shutdown_grace_ms));
  // GitHub calls in flight end within their deadline and hand their command to the writer.
  if (github->workers) github->workers->Stop();
  if (exporter) exporter->Stop(std::min(s.export_timeout_ms, 10000));
  exporter.reset();
  if (forwarder) forwarder->Stop();
  if (writes) writes->Stop();
  self_metrics.SetWritePathSource(nullptr);  // a late /metrics must not read a freed queue
  writes.reset();
  server.reset();
  store.reset();
  log::Info("stopped");
  log::Flush();
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  // Large buffers (a /metrics body of many series is megabytes) go to mmap and back to the system
  // when freed, instead of staying in the heap: glibc's adaptive threshold would otherwise grow
  // to 32 MiB and keep them (measured with bench/metrics_scrape.sh: 55 MiB resident after
  // scraping 10,000 series, 25 MiB with this). Capping the arenas too (M_ARENA_MAX) saved a few
  // more MiB but cost 15-20% of the write throughput, so it is not done.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // The CI client has its own flags (CLI11), none of the server's settings.
  if (argc > 1 && (std::string(argv[1]) == "deployment" || std::string(argv[1]) == "incident")) {
    return ClientMain(argc, argv, config::ProcessEnv());
  }
  if (argc > 1 && std::string(argv[1]) == "copy") return CopyMain(argc, argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = "serve";
  if (!args.empty() && args.front().rfind("--", 0) != 0) {
    command = args.front();
    args.erase(args.begin());
  }
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") command = "help";
    if (a == "--version") command = "version";
  }
  if (command == "help") {
    PrintUsage();
    return 0;
  }
  if (command == "version") {
    auto env = config::ProcessEnv()("EM_METRICS_VERSION");
    std::cout << "em-metrics " << (env ? *env : std::string(EMM_VERSION)) << "\n";
    return 0;
  }
  // The commands' own arguments, before the settings see the rest.
  bool quick = false;
  std::string dest;
  if (command == "check") {
    auto it = std::find(args.begin(), args.end(), "--quick");
    if (it != args.end()) {
      quick = true;
      args.erase(it);
    }
  }
  if (command == "backup") {
    if (args.empty() || args.front().rfind("--", 0) == 0) {
      std::cerr << "em-metrics backup: name the new file to write, e.g. em-metrics backup "
                   "/backups/em-metrics-$(date +%F).db\n";
      return kExitConfig;
    }
    dest = args.front();
    args.erase(args.begin());
  }
  auto settings = config::LoadSettings(config::ProcessEnv(), args);
  if (!settings.ok()) {
    std::cerr << "em-metrics: " << settings.status().ToString() << "\n"
              << "Run 'em-metrics --help' for the options.\n";
    return kExitConfig;
  }
  log::Configure(log::ParseLevel(settings->log_level).value_or(log::Level::kInfo));
  LogStoreChoice(*settings);
  if (command == "serve") return Serve(*settings);
  if (command == "migrate") return Migrate(*settings);
  if (command == "rebuild-metrics") return RebuildMetrics(*settings);
  if (command == "check") return Check(*settings, quick);
  if (command == "backup") return Backup(*settings, dest);
  std::cerr << "em-metrics: unknown command \"" << command << "\"\n"
            << "Run 'em-metrics --help' for the commands.\n";
  return kExitConfig;
}

}  // namespace emm::cli

int main(int argc, char** argv) { return emm::cli::Main(argc, argv); }
