# em-metrics on Kubernetes with SQLite: one pod, one ReadWriteOnce volume (docs/kubernetes.md);
# with database_url or database_url_secret_name, PostgreSQL: a Deployment of `replicas` pods
# (deployment.tf). deploy/kubernetes/ (and its postgres/ overlay) holds the same objects as plain
# manifests; tests/deploy/check.mjs keeps the two equal, so a change here needs the same there.

locals {
  selector_labels = {
    "app.kubernetes.io/name"     = "em-metrics"
    "app.kubernetes.io/instance" = var.name
  }
  labels = merge(var.labels, local.selector_labels)

  config_dir  = "/etc/em-metrics"
  data_dir    = "/data"
  secret_name = coalesce(var.existing_secret_name, var.name)

  postgres             = var.database_url != null || var.database_url_secret_name != null
  database_secret_name = coalesce(var.database_url_secret_name, "${var.name}-database")

  # Plain settings: container env. The server reads the same names (docs/configuration.md).
  env = merge(
    {
      # On PostgreSQL empty: it overrides the image's SQLITE_DB, which DATABASE_URL would win
      # over anyway, without the warning that both are set at every start.
      SQLITE_DB            = local.postgres ? "" : "${local.data_dir}/em-metrics.db"
      HOST                 = "0.0.0.0"
      PORT                 = "3000"
      CONFIG               = "${local.config_dir}/teams.json"
      EM_METRICS_LOG_LEVEL = var.log_level
      EM_METRICS_THREADS   = tostring(var.threads)
    },
    { for k, v in {
      DEPLOYMENT_ENVIRONMENT      = var.deployment_environment
      OTEL_EXPORTER_OTLP_ENDPOINT = var.otlp_endpoint
      EM_METRICS_SCRAPE_NO_AUTH   = var.scrape_no_auth ? "true" : null
    } : k => v if v != null },
    var.extra_env,
  )

  # Secret settings: every key of the Secret becomes the environment variable of that name.
  secret_env_all = {
    EM_METRICS_TOKEN_AUTH          = var.token_auth
    EM_METRICS_BASIC_AUTH_USERNAME = var.basic_auth_username
    EM_METRICS_BASIC_AUTH_PASSWORD = var.basic_auth_password
    GITHUB_WEBHOOK_SECRET          = var.github_webhook_secret
    GITHUB_CLIENT_ID               = var.github_client_id
    GITHUB_RSA_PEM_KEY_B64         = var.github_rsa_pem_key_b64
    GITLAB_WEBHOOK_TOKEN           = var.gitlab_webhook_token
    LINEAR_SECRET                  = var.linear_secret
    PAGERDUTY_WEBHOOK_SECRET       = var.pagerduty_webhook_secret
    INCIDENT_IO_WEBHOOK_SECRET     = var.incident_io_webhook_secret
    OTEL_EXPORTER_OTLP_HEADERS     = var.otlp_headers
  }
  # An unset secret is left out, not sent empty: the server treats some empty values as set
  # (GITHUB_CLIENT_ID without its key stops the start).
  secret_env = { for k, v in local.secret_env_all : k => v if v != null }
}

resource "kubernetes_namespace_v1" "this" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name = var.namespace
    labels = merge(local.labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
    })
  }
}

# The server never calls the Kubernetes API: its own account, with no token mounted.
resource "kubernetes_service_account_v1" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }
  automount_service_account_token = false

  depends_on = [kubernetes_namespace_v1.this]
}

resource "kubernetes_config_map_v1" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }
  data = {
    "teams.json" = var.teams_json
  }

  depends_on = [kubernetes_namespace_v1.this]
}

resource "kubernetes_secret_v1" "this" {
  count = var.existing_secret_name == null ? 1 : 0

  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }
  type = "Opaque"
  data = local.secret_env

  depends_on = [kubernetes_namespace_v1.this]
}

# DATABASE_URL, when given as a variable: the pods read it from this Secret's key database-url.
resource "kubernetes_secret_v1" "database" {
  count = var.database_url != null ? 1 : 0

  metadata {
    name      = local.database_secret_name
    namespace = var.namespace
    labels    = local.labels
  }
  type = "Opaque"
  data = {
    "database-url" = var.database_url
  }

  depends_on = [kubernetes_namespace_v1.this]
}
