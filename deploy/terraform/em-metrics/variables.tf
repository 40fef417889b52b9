# Every variable: docs/kubernetes.md#variables. Defaults here are what deploy/kubernetes/ holds
# (tests/deploy/check.js compares them).

# --- names and placement ---

variable "name" {
  description = "Name of every object the module creates (StatefulSet, Service, ConfigMap, Secret, ServiceAccount, Ingress) and the app.kubernetes.io/instance label."
  type        = string
  default     = "em-metrics"
}

variable "namespace" {
  description = "Namespace of every object."
  type        = string
  default     = "em-metrics"
}

variable "create_namespace" {
  description = "Create the namespace (labelled for the Pod Security Standard \"restricted\", which the pod meets). false: it must exist already."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Extra labels on every object and on the pod (not on the selector, which cannot change after creation)."
  type        = map(string)
  default     = {}
}

# --- image ---

variable "image" {
  description = "Image repository. Releases will be pushed to ghcr.io/em-metrics/em-metrics (nothing is published yet): build the repository's Dockerfile and push it to your registry until then."
  type        = string
  default     = "ghcr.io/em-metrics/em-metrics"
}

variable "image_tag" {
  description = "Image tag (the em-metrics version)."
  type        = string
  default     = "0.1.0"
}

variable "image_pull_policy" {
  description = "IfNotPresent, Always or Never."
  type        = string
  default     = "IfNotPresent"

  validation {
    condition     = contains(["IfNotPresent", "Always", "Never"], var.image_pull_policy)
    error_message = "image_pull_policy: IfNotPresent, Always or Never."
  }
}

# --- storage: one SQLite file on one ReadWriteOnce volume ---

variable "storage_size" {
  description = "Size of the volume claim holding the SQLite database (/data). For scale: 1,000,000 pull requests with 2,000,000 reviews take 455 MiB (docs/operations.md#upgrades-and-migrations), the write-ahead log about 16 MiB more; a backup written to /data needs room too."
  type        = string
  default     = "5Gi"
}

variable "storage_class_name" {
  description = "Storage class of the volume claim; null: the cluster's default class. Use a class of local or block disks: SQLite's write-ahead log needs working locks and shared memory, which network file systems do not all give."
  type        = string
  default     = null
}

# --- PostgreSQL: a Deployment of N replicas instead of the StatefulSet (docs/kubernetes.md#postgresql-mode) ---

variable "database_url" {
  description = "DATABASE_URL: postgres://user:password@host:5432/db?sslmode=require. Set (or database_url_secret_name): PostgreSQL, and a Deployment of `replicas` pods with no volume claim instead of the SQLite StatefulSet. The module keeps it in the Secret <name>-database, key database-url."
  type        = string
  default     = null
  sensitive   = true
}

variable "database_url_secret_name" {
  description = "Name of a Secret you manage whose key database-url holds DATABASE_URL; instead of database_url (not both). Set: PostgreSQL mode, as with database_url."
  type        = string
  default     = null
}

variable "replicas" {
  description = "Pods of the Deployment in PostgreSQL mode (exactly one of them pushes OTLP: docs/postgresql.md#the-export-leader). More than 1 needs PostgreSQL: SQLite has one writer, so the StatefulSet has 1."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas >= 1
    error_message = "replicas: 1 or more."
  }
}

# --- service and ingress ---

variable "service_type" {
  description = "Type of the Service: ClusterIP, NodePort or LoadBalancer."
  type        = string
  default     = "ClusterIP"

  validation {
    condition     = contains(["ClusterIP", "NodePort", "LoadBalancer"], var.service_type)
    error_message = "service_type: ClusterIP, NodePort or LoadBalancer."
  }
}

variable "service_port" {
  description = "Port of the Service (the container listens on 3000)."
  type        = number
  default     = 3000
}

variable "ingress_host" {
  description = "Host name of an Ingress to the Service; null: no Ingress."
  type        = string
  default     = null
}

variable "ingress_class_name" {
  description = "Ingress class (spec.ingressClassName); null: the cluster's default class."
  type        = string
  default     = null
}

variable "ingress_tls_secret_name" {
  description = "Secret (type kubernetes.io/tls) holding the certificate of ingress_host; null: no TLS section."
  type        = string
  default     = null
}

variable "ingress_annotations" {
  description = "Annotations of the Ingress (for example cert-manager's cert-manager.io/cluster-issuer)."
  type        = map(string)
  default     = {}
}

# --- settings (docs/configuration.md) ---

variable "teams_json" {
  description = "The teams config file (JSON text, docs/configuration.md#teams-config-file), mounted at /etc/em-metrics/teams.json and named by CONFIG. A change restarts the pod (its SHA-256 is a pod annotation)."
  type        = string
  default     = "{\"teams\": {}}\n"
}

variable "deployment_environment" {
  description = "DEPLOYMENT_ENVIRONMENT: environment of events that name none; null: the server's default (NO_ENV)."
  type        = string
  default     = null
}

variable "otlp_endpoint" {
  description = "OTEL_EXPORTER_OTLP_ENDPOINT: base URL of an OTLP/HTTP receiver (/v1/metrics is appended), e.g. http://alloy.monitoring.svc:4318; null: no push (Prometheus can scrape GET /metrics)."
  type        = string
  default     = null
}

variable "log_level" {
  description = "EM_METRICS_LOG_LEVEL: trace, debug, info, warn, error, fatal or silent."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["trace", "debug", "info", "warn", "error", "fatal", "silent"], var.log_level)
    error_message = "log_level: trace, debug, info, warn, error, fatal or silent."
  }
}

variable "threads" {
  description = "EM_METRICS_THREADS: HTTP I/O threads. Set because the server's default (one per core) counts the node's cores, not the pod's CPU limit."
  type        = number
  default     = 2

  validation {
    condition     = var.threads >= 1
    error_message = "threads: 1 or more."
  }
}

variable "scrape_no_auth" {
  description = "EM_METRICS_SCRAPE_NO_AUTH: serve GET /metrics without credentials (the rest of the API keeps its auth)."
  type        = bool
  default     = false
}

variable "extra_env" {
  description = "More environment variables (name => value), for any setting of docs/configuration.md; a name here wins over the module's own. Secrets go in the secret variables instead."
  type        = map(string)
  default     = {}
}

# --- secrets: one Secret, every key an environment variable (envFrom) ---

variable "existing_secret_name" {
  description = "Name of a Secret you manage yourself (its keys are environment variable names, e.g. EM_METRICS_TOKEN_AUTH); null: the module creates one from the variables below, which are then ignored."
  type        = string
  default     = null
}

variable "token_auth" {
  description = "EM_METRICS_TOKEN_AUTH: the token of `Authorization: Token <token>`. Without it (or basic auth) every /api/v1 request is refused."
  type        = string
  default     = null
  sensitive   = true
}

variable "basic_auth_username" {
  description = "EM_METRICS_BASIC_AUTH_USERNAME: the basic auth user (with basic_auth_password)."
  type        = string
  default     = null
  sensitive   = true
}

variable "basic_auth_password" {
  description = "EM_METRICS_BASIC_AUTH_PASSWORD: the basic auth password."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_webhook_secret" {
  description = "GITHUB_WEBHOOK_SECRET: the secret of POST /webhooks/github (docs/github-app.md)."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_client_id" {
  description = "GITHUB_CLIENT_ID: the GitHub App's client ID; needs github_rsa_pem_key_b64 (one without the other stops the server)."
  type        = string
  default     = null
  sensitive   = true
}

variable "github_rsa_pem_key_b64" {
  description = "GITHUB_RSA_PEM_KEY_B64: the GitHub App's private key, base64 of its .pem file."
  type        = string
  default     = null
  sensitive   = true
}

variable "gitlab_webhook_token" {
  description = "GITLAB_WEBHOOK_TOKEN: the secret token of POST /webhooks/gitlab (docs/webhooks.md#gitlab)."
  type        = string
  default     = null
  sensitive   = true
}

variable "linear_secret" {
  description = "LINEAR_SECRET: the signing secret of POST /webhooks/linear."
  type        = string
  default     = null
  sensitive   = true
}

variable "pagerduty_webhook_secret" {
  description = "PAGERDUTY_WEBHOOK_SECRET: the secret of POST /webhooks/pagerduty (docs/webhooks.md#pagerduty)."
  type        = string
  default     = null
  sensitive   = true
}

variable "incident_io_webhook_secret" {
  description = "INCIDENT_IO_WEBHOOK_SECRET: the signing secret of POST /webhooks/incident-io (whsec_...; anything else stops the server)."
  type        = string
  default     = null
  sensitive   = true
}

variable "otlp_headers" {
  description = "OTEL_EXPORTER_OTLP_HEADERS: k=v,k=v headers of the OTLP push, percent-encoded (Authorization=Bearer%20<token> for a hosted collector)."
  type        = string
  default     = null
  sensitive   = true
}

# --- resources and probes ---

variable "resources" {
  description = "Requests and limits of the container (CPU and memory, Kubernetes quantities)."
  type = object({
    requests = map(string)
    limits   = map(string)
  })
  default = {
    requests = { cpu = "100m", memory = "128Mi" }
    limits   = { cpu = "1", memory = "512Mi" }
  }
}

variable "startup_failure_threshold" {
  description = "Startup probe attempts, 5 s apart, before the pod is restarted: the server listens once migrations are done, which take seconds per million stored events on an upgrade (docs/operations.md#upgrades-and-migrations). Default: 5 minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.startup_failure_threshold >= 1
    error_message = "startup_failure_threshold: 1 or more."
  }
}
