#include "config/settings.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace emm::config {
namespace {

// A fake environment for LoadSettings.
GetEnv Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Settings MustLoad(std::map<std::string, std::string> vars, std::vector<std::string> args = {}) {
  auto r = LoadSettings(Env(std::move(vars)), args);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Settings{};
}

// The field named by a failed load, or "" when it succeeded.
std::string FailedField(std::map<std::string, std::string> vars,
                        std::vector<std::string> args = {}) {
  auto r = LoadSettings(Env(std::move(vars)), args);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  if (r.status().fields().empty()) return "(no field)";
  return r.status().fields().front().field;
}

TEST(LoadSettingsTest, Defaults) {
  Settings s = MustLoad({});
  EXPECT_EQ(s.host, "0.0.0.0");
  EXPECT_EQ(s.port, 3000);
  EXPECT_EQ(s.sqlite_db, "./data/em-metrics.db");
  EXPECT_TRUE(s.sqlite_full_sync);
  EXPECT_EQ(s.config_path, "");
  EXPECT_EQ(s.otel_service_name, "em_metrics");
  EXPECT_EQ(s.otel_collector_url, "");
  EXPECT_EQ(s.deployment_environment, "NO_ENV");
  EXPECT_FALSE(s.no_auth);
  EXPECT_EQ(s.token, "");
  EXPECT_EQ(s.basic_username, "");
  EXPECT_EQ(s.basic_password, "");
  EXPECT_EQ(s.log_level, "info");
  EXPECT_EQ(s.version, "-");
  EXPECT_FALSE(s.dev_routes);
  EXPECT_EQ(s.threads, 0);
  EXPECT_EQ(s.shutdown_grace_ms, 10000);
  EXPECT_EQ(s.max_connections, 1024);
}

TEST(LoadSettingsTest, ReadsEnvironment) {
  Settings s = MustLoad({
      {"HOST", "127.0.0.1"},
      {"PORT", "8081"},
      {"SQLITE_DB", "/tmp/x.db"},
      {"SQLITE_SYNC", "normal"},
      {"CONFIG", "teams.json"},
      {"OTEL_SERVICE_NAME", "svc"},
      {"OTEL_COLLECTOR_URL", "http://collector:4318/v1/metrics"},
      {"DEPLOYMENT_ENVIRONMENT", "prod"},
      {"EM_METRICS_NO_AUTH", "true"},
      {"EM_METRICS_TOKEN_AUTH", "sekret"},
      {"EM_METRICS_BASIC_AUTH_USERNAME", "user"},
      {"EM_METRICS_BASIC_AUTH_PASSWORD", "pass"},
      {"EM_METRICS_LOG_LEVEL", "debug"},
      {"EM_METRICS_VERSION", "1.2.3"},
      {"DEV_ROUTES", "anything"},
      {"EM_METRICS_THREADS", "4"},
      {"EM_METRICS_SHUTDOWN_GRACE_MS", "2500"},
      {"EM_METRICS_MAX_CONNECTIONS", "200"},
  });
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 8081);
  EXPECT_EQ(s.sqlite_db, "/tmp/x.db");
  EXPECT_FALSE(s.sqlite_full_sync);
  EXPECT_EQ(s.config_path, "teams.json");
  EXPECT_EQ(s.otel_service_name, "svc");
  EXPECT_EQ(s.otel_collector_url, "http://collector:4318/v1/metrics");
  EXPECT_EQ(s.deployment_environment, "prod");
  EXPECT_TRUE(s.no_auth);
  EXPECT_EQ(s.token, "sekret");
  EXPECT_EQ(s.basic_username, "user");
  EXPECT_EQ(s.basic_password, "pass");
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_EQ(s.version, "1.2.3");
  EXPECT_TRUE(s.dev_routes);
  EXPECT_EQ(s.threads, 4);
  EXPECT_EQ(s.shutdown_grace_ms, 2500);
  EXPECT_EQ(s.max_connections, 200);
}

TEST(LoadSettingsTest, MaxConnectionsFromVariableOrFlag) {
  EXPECT_EQ(MustLoad({}, {"--max-connections", "64"}).max_connections, 64);
  EXPECT_EQ(
      MustLoad({{"EM_METRICS_MAX_CONNECTIONS", "64"}}, {"--max-connections=8"}).max_connections, 8);
  // 0: as many as the open-file limit allows (decided at start).
  EXPECT_EQ(MustLoad({{"EM_METRICS_MAX_CONNECTIONS", "0"}}).max_connections, 0);
  EXPECT_EQ(MustLoad({{"EM_METRICS_MAX_CONNECTIONS", "1000000"}}).max_connections, 1000000);
  EXPECT_EQ(MustLoad({{"EM_METRICS_MAX_CONNECTIONS", ""}}).max_connections, 1024);  // unset
}

TEST(LoadSettingsTest, SqliteSyncFull) {
  EXPECT_TRUE(MustLoad({{"SQLITE_SYNC", "full"}}).sqlite_full_sync);
  EXPECT_FALSE(MustLoad({}, {"--sqlite-sync", "normal"}).sqlite_full_sync);
}

TEST(LoadSettingsTest, PortZeroMeansAnyPort) {
  EXPECT_EQ(MustLoad({{"PORT", "0"}}).port, 0);
  EXPECT_EQ(MustLoad({{"PORT", "65535"}}).port, 65535);
}

TEST(LoadSettingsTest, EmptyNonStringVariablesAreUnset) {
  Settings s = MustLoad({{"PORT", ""},
                         {"SQLITE_SYNC", ""},
                         {"EM_METRICS_NO_AUTH", ""},
                         {"DEV_ROUTES", ""},
                         {"EM_METRICS_THREADS", ""}});
  EXPECT_EQ(s.port, 3000);
  EXPECT_TRUE(s.sqlite_full_sync);
  EXPECT_FALSE(s.no_auth);
  EXPECT_FALSE(s.dev_routes);
  EXPECT_EQ(s.threads, 0);
}

TEST(LoadSettingsTest, EmptyConfigVariableMeansNoConfig) {
  EXPECT_EQ(MustLoad({{"CONFIG", ""}}).config_path, "");
}

TEST(LoadSettingsTest, FlagWithSeparateValueOverridesEnv) {
  Settings s = MustLoad({{"PORT", "9000"}}, {"--port", "8080"});
  EXPECT_EQ(s.port, 8080);
}

TEST(LoadSettingsTest, FlagWithEqualsOverridesEnv) {
  Settings s = MustLoad({{"PORT", "9000"}, {"HOST", "a"}}, {"--port=8080", "--host=b"});
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.host, "b");
}

TEST(LoadSettingsTest, LaterFlagsWin) {
  EXPECT_EQ(MustLoad({}, {"--port=1", "--port", "2"}).port, 2);
}

TEST(LoadSettingsTest, StringFlagsOverrideEnv) {
  Settings s = MustLoad({{"EM_METRICS_TOKEN_AUTH", "env-token"}, {"DEPLOYMENT_ENVIRONMENT", "a"}},
                        {"--token-auth", "flag-token", "--deployment-environment=b", "--sqlite-db",
                         "/data/db", "--log-level", "warn"});
  EXPECT_EQ(s.token, "flag-token");
  EXPECT_EQ(s.deployment_environment, "b");
  EXPECT_EQ(s.sqlite_db, "/data/db");
  EXPECT_EQ(s.log_level, "warn");
}

TEST(LoadSettingsTest, FlagValueMayContainEquals) {
  EXPECT_EQ(MustLoad({}, {"--token-auth=a=b"}).token, "a=b");
}

TEST(LoadSettingsTest, BooleanFlagsNeedNoValue) {
  Settings s = MustLoad({}, {"--no-auth", "--dev-routes", "--port", "1"});
  EXPECT_TRUE(s.no_auth);
  EXPECT_TRUE(s.dev_routes);
  EXPECT_EQ(s.port, 1);
}

TEST(LoadSettingsTest, BooleanFlagWithExplicitFalse) {
  EXPECT_FALSE(MustLoad({{"EM_METRICS_NO_AUTH", "1"}}, {"--no-auth=false"}).no_auth);
}

TEST(LoadSettingsTest, NoAuthTrueOnlyForOneTrueYesInAnyCase) {
  for (const char* v : {"1", "true", "TRUE", "True", "yes", "YES", "Yes"}) {
    EXPECT_TRUE(MustLoad({{"EM_METRICS_NO_AUTH", v}}).no_auth) << v;
  }
  for (const char* v : {"0", "false", "FALSE", "no", "No", "off", "on", "2", "y", "t", " true"}) {
    EXPECT_FALSE(MustLoad({{"EM_METRICS_NO_AUTH", v}}).no_auth) << v;
  }
}

TEST(LoadSettingsTest, ScrapeNoAuthFromVariableOrFlag) {
  EXPECT_FALSE(MustLoad({}).scrape_no_auth);
  EXPECT_TRUE(MustLoad({{"EM_METRICS_SCRAPE_NO_AUTH", "yes"}}).scrape_no_auth);
  EXPECT_FALSE(MustLoad({{"EM_METRICS_SCRAPE_NO_AUTH", "false"}}).scrape_no_auth);
  EXPECT_TRUE(MustLoad({}, {"--scrape-no-auth"}).scrape_no_auth);
  EXPECT_FALSE(
      MustLoad({{"EM_METRICS_SCRAPE_NO_AUTH", "1"}}, {"--scrape-no-auth=0"}).scrape_no_auth);
  EXPECT_FALSE(MustLoad({{"EM_METRICS_SCRAPE_NO_AUTH", "1"}}).no_auth);  // only /metrics opens
  EXPECT_NE(SettingsUsage().find("EM_METRICS_SCRAPE_NO_AUTH"), std::string::npos);
}

TEST(IsTrueValueTest, Values) {
  EXPECT_TRUE(IsTrueValue("1"));
  EXPECT_TRUE(IsTrueValue("tRuE"));
  EXPECT_TRUE(IsTrueValue("yEs"));
  EXPECT_FALSE(IsTrueValue(""));
  EXPECT_FALSE(IsTrueValue("0"));
  EXPECT_FALSE(IsTrueValue("false"));
  EXPECT_FALSE(IsTrueValue("no"));
  EXPECT_FALSE(IsTrueValue("11"));
}

TEST(LoadSettingsTest, BadPortNamesTheVariable) {
  EXPECT_EQ(FailedField({{"PORT", "abc"}}), "PORT");
  EXPECT_EQ(FailedField({{"PORT", "65536"}}), "PORT");
  EXPECT_EQ(FailedField({{"PORT", "-1"}}), "PORT");
  EXPECT_EQ(FailedField({{"PORT", "80x"}}), "PORT");
  EXPECT_EQ(FailedField({{"PORT", " 80"}}), "PORT");
}

TEST(LoadSettingsTest, BadPortNamesTheFlag) {
  EXPECT_EQ(FailedField({}, {"--port", "http"}), "--port");
  EXPECT_EQ(FailedField({}, {"--port=99999"}), "--port");
}

TEST(LoadSettingsTest, BadPortMessageQuotesTheValue) {
  auto r = LoadSettings(Env({{"PORT", "abc"}}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("\"abc\""), std::string::npos) << r.status().message();
}

TEST(LoadSettingsTest, UnknownFlagIsNamed) {
  EXPECT_EQ(FailedField({}, {"--prot", "8080"}), "--prot");
  EXPECT_EQ(FailedField({}, {"--bogus=1"}), "--bogus");
}

TEST(LoadSettingsTest, PositionalArgumentIsRejected) {
  EXPECT_EQ(FailedField({}, {"serve"}), "serve");
  EXPECT_EQ(FailedField({}, {"-p", "80"}), "-p");
}

TEST(LoadSettingsTest, FlagWithoutValueIsRejected) {
  EXPECT_EQ(FailedField({}, {"--port"}), "--port");
  EXPECT_EQ(FailedField({}, {"--host"}), "--host");
}

TEST(LoadSettingsTest, BadSqliteSyncIsNamed) {
  EXPECT_EQ(FailedField({{"SQLITE_SYNC", "fast"}}), "SQLITE_SYNC");
  EXPECT_EQ(FailedField({{"SQLITE_SYNC", "FULL"}}), "SQLITE_SYNC");
  EXPECT_EQ(FailedField({}, {"--sqlite-sync=off"}), "--sqlite-sync");
}

TEST(LoadSettingsTest, GithubWebhookSecret) {
  EXPECT_EQ(MustLoad({}).github_webhook_secret, "");
  EXPECT_EQ(MustLoad({{"GITHUB_WEBHOOK_SECRET", "s3cret"}}).github_webhook_secret, "s3cret");
  EXPECT_EQ(MustLoad({}, {"--github-webhook-secret=x"}).github_webhook_secret, "x");
}

TEST(LoadSettingsTest, IncidentToolWebhookSecrets) {
  EXPECT_EQ(MustLoad({}).pagerduty_webhook_secret, "");
  EXPECT_EQ(MustLoad({}).incident_io_webhook_secret, "");
  EXPECT_EQ(MustLoad({{"PAGERDUTY_WEBHOOK_SECRET", "pd"}}).pagerduty_webhook_secret, "pd");
  EXPECT_EQ(MustLoad({}, {"--pagerduty-webhook-secret=x"}).pagerduty_webhook_secret, "x");
  EXPECT_EQ(MustLoad({{"INCIDENT_IO_WEBHOOK_SECRET", "whsec_aW8="}}).incident_io_webhook_secret,
            "whsec_aW8=");
  EXPECT_EQ(MustLoad({{"INCIDENT_IO_WEBHOOK_SECRET", "a"}}, {"--incident-io-webhook-secret", "b"})
                .incident_io_webhook_secret,
            "b");
  EXPECT_NE(SettingsUsage().find("PAGERDUTY_WEBHOOK_SECRET"), std::string::npos);
  EXPECT_NE(SettingsUsage().find("INCIDENT_IO_WEBHOOK_SECRET"), std::string::npos);
}

TEST(LoadSettingsTest, GitHubApp) {
  Settings none = MustLoad({});
  EXPECT_EQ(none.github_client_id, "");
  EXPECT_EQ(none.github_rsa_pem_key_b64, "");
  EXPECT_EQ(none.github_endpoint, "https://api.github.com");
  Settings env = MustLoad({{"GITHUB_CLIENT_ID", "Iv1.abc"},
                           {"GITHUB_RSA_PEM_KEY_B64", "LS0t"},
                           {"GITHUB_ENDPOINT", "https://ghe.example/api/v3"}});
  EXPECT_EQ(env.github_client_id, "Iv1.abc");
  EXPECT_EQ(env.github_rsa_pem_key_b64, "LS0t");
  EXPECT_EQ(env.github_endpoint, "https://ghe.example/api/v3");
  Settings flags = MustLoad({}, {"--github-client-id=Iv1.x", "--github-rsa-pem-key-b64", "LS0",
                                 "--github-endpoint=http://127.0.0.1:9/"});
  EXPECT_EQ(flags.github_client_id, "Iv1.x");
  EXPECT_EQ(flags.github_rsa_pem_key_b64, "LS0");
  EXPECT_EQ(flags.github_endpoint, "http://127.0.0.1:9/");
  EXPECT_EQ(FailedField({{"GITHUB_ENDPOINT", "api.github.com"}}), "GITHUB_ENDPOINT");
  EXPECT_EQ(MustLoad({{"GITHUB_ENDPOINT", ""}}).github_endpoint, "https://api.github.com");
  const std::string usage = SettingsUsage();
  for (const char* name : {"GITHUB_CLIENT_ID", "GITHUB_RSA_PEM_KEY_B64", "GITHUB_ENDPOINT"}) {
    EXPECT_NE(usage.find(name), std::string::npos) << name;
  }
}

TEST(LoadSettingsTest, LinearSecret) {
  EXPECT_EQ(MustLoad({}).linear_secret, "");
  EXPECT_EQ(MustLoad({{"LINEAR_SECRET", "lin"}}).linear_secret, "lin");
  EXPECT_EQ(MustLoad({}, {"--linear-secret=y"}).linear_secret, "y");
}

TEST(LoadSettingsTest, BotLogins) {
  EXPECT_TRUE(MustLoad({}).bot_logins.empty());
  EXPECT_EQ(MustLoad({{"EM_METRICS_BOT_LOGINS", " jenkins, ci-robot ,,"}}).bot_logins,
            (std::vector<std::string>{"jenkins", "ci-robot"}));
  EXPECT_EQ(MustLoad({{"EM_METRICS_BOT_LOGINS", "a"}}, {"--bot-logins=b,c"}).bot_logins,
            (std::vector<std::string>{"b", "c"}));
}

TEST(LoadSettingsTest, GitlabWebhookToken) {
  EXPECT_EQ(MustLoad({}).gitlab_webhook_token, "");
  EXPECT_EQ(MustLoad({{"GITLAB_WEBHOOK_TOKEN", "t0ken"}}).gitlab_webhook_token, "t0ken");
  EXPECT_EQ(MustLoad({}, {"--gitlab-webhook-token=x"}).gitlab_webhook_token, "x");
}

TEST(LoadSettingsTest, SqliteCheckpointPages) {
  EXPECT_EQ(MustLoad({}).sqlite_checkpoint_pages, 4000);
  EXPECT_EQ(MustLoad({{"SQLITE_CHECKPOINT_PAGES", "64"}}).sqlite_checkpoint_pages, 64);
  EXPECT_EQ(MustLoad({}, {"--sqlite-checkpoint-pages=8"}).sqlite_checkpoint_pages, 8);
  EXPECT_EQ(FailedField({{"SQLITE_CHECKPOINT_PAGES", "0"}}), "SQLITE_CHECKPOINT_PAGES");
  EXPECT_EQ(FailedField({{"SQLITE_CHECKPOINT_PAGES", "lots"}}), "SQLITE_CHECKPOINT_PAGES");
}

TEST(LoadSettingsTest, BadLogLevelIsNamed) {
  EXPECT_EQ(FailedField({{"EM_METRICS_LOG_LEVEL", "verbose"}}), "EM_METRICS_LOG_LEVEL");
  EXPECT_EQ(FailedField({}, {"--log-level", "loud"}), "--log-level");
  for (const char* level : {"trace", "debug", "info", "warn", "error", "fatal", "silent"}) {
    EXPECT_EQ(MustLoad({{"EM_METRICS_LOG_LEVEL", level}}).log_level, level);
  }
  EXPECT_EQ(MustLoad({{"EM_METRICS_LOG_LEVEL", ""}}).log_level, "info");  // empty = unset
}

TEST(LoadSettingsTest, BadNumbersAreNamed) {
  EXPECT_EQ(FailedField({{"EM_METRICS_THREADS", "many"}}), "EM_METRICS_THREADS");
  EXPECT_EQ(FailedField({{"EM_METRICS_THREADS", "257"}}), "EM_METRICS_THREADS");
  EXPECT_EQ(FailedField({{"EM_METRICS_SHUTDOWN_GRACE_MS", "-5"}}), "EM_METRICS_SHUTDOWN_GRACE_MS");
  EXPECT_EQ(FailedField({}, {"--threads=1.5"}), "--threads");
  EXPECT_EQ(FailedField({{"EM_METRICS_MAX_CONNECTIONS", "lots"}}), "EM_METRICS_MAX_CONNECTIONS");
  EXPECT_EQ(FailedField({{"EM_METRICS_MAX_CONNECTIONS", "-1"}}), "EM_METRICS_MAX_CONNECTIONS");
  EXPECT_EQ(FailedField({{"EM_METRICS_MAX_CONNECTIONS", "1000001"}}), "EM_METRICS_MAX_CONNECTIONS");
  EXPECT_EQ(FailedField({}, {"--max-connections"}), "--max-connections");
}

TEST(LoadSettingsTest, FlagErrorWinsEvenWhenEnvIsValid) {
  EXPECT_EQ(FailedField({{"PORT", "80"}}, {"--port=nope"}), "--port");
}

TEST(SettingsUsageTest, MentionsEveryVariable) {
  std::string usage = SettingsUsage();
  for (const char* v :
       {"--port", "PORT", "SQLITE_SYNC", "EM_METRICS_NO_AUTH", "--no-auth", "EM_METRICS_TOKEN_AUTH",
        "CONFIG", "DEPLOYMENT_ENVIRONMENT", "EM_METRICS_MAX_CONNECTIONS", "--max-connections",
        "DATABASE_URL", "--database-url", "DATABASE_POOL_SIZE", "--database-pool-size"}) {
    EXPECT_NE(usage.find(v), std::string::npos) << v;
  }
}

TEST(OtlpSettingsTest, EndpointPrecedence) {
  EXPECT_EQ(MetricsEndpoint(MustLoad({})), "");
  EXPECT_EQ(MetricsEndpoint(MustLoad({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}})),
            "http://c:4318/v1/metrics");
  EXPECT_EQ(MetricsEndpoint(MustLoad({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/base/"}})),
            "http://c:4318/base/v1/metrics");
  EXPECT_EQ(MetricsEndpoint(MustLoad({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                                      {"OTEL_COLLECTOR_URL", "http://orig:4318/v1/metrics"}})),
            "http://orig:4318/v1/metrics");
  EXPECT_EQ(MetricsEndpoint(MustLoad({{"OTEL_COLLECTOR_URL", "http://orig:4318/v1/metrics"},
                                      {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m/x"}})),
            "http://m/x");
}

TEST(OtlpSettingsTest, MetricsVariantsWinOverGenericOnes) {
  Settings s = MustLoad({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                         {"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf"},
                         {"OTEL_EXPORTER_OTLP_HEADERS", "a=1"},
                         {"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "b=2"},
                         {"OTEL_EXPORTER_OTLP_TIMEOUT", "5000"},
                         {"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "7000"}});
  EXPECT_EQ(s.otlp_protocol, "http/protobuf");
  EXPECT_EQ(s.otlp_headers, "b=2");
  EXPECT_EQ(s.otlp_timeout_ms, 7000);
}

TEST(OtlpSettingsTest, ChoicesAreCaseInsensitiveAndCheckedByName) {
  EXPECT_EQ(MustLoad({{"OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"}}).otlp_compression, "gzip");
  EXPECT_EQ(
      MustLoad({{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "Delta"}}).otlp_temporality,
      "delta");
  EXPECT_EQ(MustLoad({{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "lowmemory"}})
                .otlp_temporality,
            "delta");
  EXPECT_EQ(FailedField({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}), "OTEL_EXPORTER_OTLP_PROTOCOL");
  EXPECT_EQ(FailedField({{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"}}),
            "OTEL_EXPORTER_OTLP_COMPRESSION");
  EXPECT_EQ(FailedField({}, {"--otlp-temporality=sometimes"}), "--otlp-temporality");
  EXPECT_EQ(FailedField({{"OTEL_METRIC_EXPORT_INTERVAL", "soon"}}), "OTEL_METRIC_EXPORT_INTERVAL");
}

TEST(OtlpSettingsTest, PushCanBeSwitchedOff) {
  EXPECT_FALSE(MustLoad({}).otlp_disabled);
  EXPECT_TRUE(MustLoad({{"OTEL_SDK_DISABLED", "true"}}).otlp_disabled);
  EXPECT_TRUE(MustLoad({{"OTEL_METRICS_EXPORTER", "none"}}).otlp_disabled);
  EXPECT_FALSE(MustLoad({{"OTEL_METRICS_EXPORTER", "otlp"}}).otlp_disabled);
}

TEST(OtlpSettingsTest, NoneAsTheDatabaseMeansStateless) {
  EXPECT_FALSE(MustLoad({}).no_store);
  EXPECT_TRUE(MustLoad({{"SQLITE_DB", "none"}}).no_store);
  EXPECT_TRUE(MustLoad({}, {"--no-store"}).no_store);
}

TEST(DatabaseSettingsTest, DatabaseUrlFromVariableOrFlagWinsOverSqlite) {
  Settings none = MustLoad({});
  EXPECT_EQ(none.database_url, "");
  EXPECT_FALSE(none.sqlite_db_set);
  EXPECT_EQ(none.database_pool_size, 8);
  Settings env = MustLoad({{"DATABASE_URL", "postgres://u:p@db:5432/emm"}, {"SQLITE_DB", "x.db"}});
  EXPECT_EQ(env.database_url, "postgres://u:p@db:5432/emm");
  EXPECT_TRUE(env.sqlite_db_set);  // main logs that DATABASE_URL wins
  EXPECT_FALSE(MustLoad({{"SQLITE_DB", ""}}).sqlite_db_set);
  Settings flag = MustLoad({{"DATABASE_URL", "postgres://a@h/x"}},
                           {"--database-url", "postgresql://b@h/y", "--database-pool-size=3"});
  EXPECT_EQ(flag.database_url, "postgresql://b@h/y");
  EXPECT_EQ(flag.database_pool_size, 3);
  // An empty variable is unset, as for the other strings: SQLite.
  EXPECT_EQ(MustLoad({{"DATABASE_URL", ""}}).database_url, "");
}

TEST(DatabaseSettingsTest, SqliteNoneDoesNotMeanStatelessWhenDatabaseUrlIsSet) {
  Settings s = MustLoad({{"DATABASE_URL", "postgres://h/db"}, {"SQLITE_DB", "none"}});
  EXPECT_FALSE(s.no_store);
  EXPECT_EQ(FailedField({{"DATABASE_URL", "postgres://h/db"}, {"EM_METRICS_NO_STORE", "true"}}),
            "DATABASE_URL");
}

TEST(DatabaseSettingsTest, ANonPostgresUrlIsRefusedWithoutItsPassword) {
  auto r = LoadSettings(Env({{"DATABASE_URL", "mysql://app:hunter2@db/emm"}}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields().front().field, "DATABASE_URL");
  EXPECT_NE(r.status().ToString().find("postgres://"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().ToString().find("hunter2"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(FailedField({}, {"--database-url=/var/lib/em.db"}), "--database-url");
  EXPECT_EQ(FailedField({{"DATABASE_POOL_SIZE", "0"}}), "DATABASE_POOL_SIZE");
  EXPECT_EQ(FailedField({{"DATABASE_POOL_SIZE", "many"}}), "DATABASE_POOL_SIZE");
  EXPECT_EQ(FailedField({}, {"--database-pool-size", "1001"}), "--database-pool-size");
}

TEST(MaskedDatabaseUrlTest, HidesThePasswordOnly) {
  EXPECT_EQ(MaskedDatabaseUrl("postgres://app:s3cr%40t@db.internal:5432/emm?sslmode=require"),
            "postgres://app:***@db.internal:5432/emm?sslmode=require");
  EXPECT_EQ(MaskedDatabaseUrl("postgresql://app:p@ss:w@rd@db/emm"), "postgresql://app:***@db/emm");
  EXPECT_EQ(MaskedDatabaseUrl("postgres://db/emm?user=app&password=hunter2&sslmode=disable"),
            "postgres://db/emm?user=app&password=***&sslmode=disable");
  EXPECT_EQ(MaskedDatabaseUrl("postgres://u:a@h/d?password=b"),
            "postgres://u:***@h/d?password=***");
  // Nothing to hide: unchanged (no password, or a colon only in the host's port).
  EXPECT_EQ(MaskedDatabaseUrl("postgres://app@db:5432/emm"), "postgres://app@db:5432/emm");
  EXPECT_EQ(MaskedDatabaseUrl("postgres://db:5432/emm"), "postgres://db:5432/emm");
  EXPECT_EQ(MaskedDatabaseUrl("postgres://db/a@b"), "postgres://db/a@b");
  EXPECT_EQ(MaskedDatabaseUrl("not a url"), "not a url");
  EXPECT_EQ(MaskedDatabaseUrl(""), "");
}

}  // namespace
}  // namespace emm::config
