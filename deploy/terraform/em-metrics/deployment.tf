# PostgreSQL mode (database_url or database_url_secret_name): `replicas` pods on one shared
# database, no volume (docs/kubernetes.md#postgresql-mode). Writes are serialised by the database
# (docs/storage.md), exactly one pod pushes OTLP (docs/postgresql.md#the-export-leader), and every
# pod serves the same figures. The pod template is the StatefulSet's (statefulset.tf) but for the
# database: DATABASE_URL from a Secret key, no /data volume, and the pods spread over nodes;
# tests/deploy/check.mjs fails when the two templates differ in anything else.
resource "kubernetes_deployment_v1" "this" {
  count = local.postgres ? 1 : 0

  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    replicas = var.replicas

    selector {
      match_labels = local.selector_labels
    }

    template {
      metadata {
        labels = local.labels
        annotations = {
          "em-metrics/teams-sha256" = sha256(var.teams_json)
        }
      }

      spec {
        service_account_name             = var.name
        automount_service_account_token  = false
        termination_grace_period_seconds = 30

        security_context {
          run_as_non_root        = true
          run_as_user            = 10001
          run_as_group           = 10001
          fs_group               = 10001
          fs_group_change_policy = "OnRootMismatch"
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        # One pod per node where the nodes allow it, so that a node's loss leaves the others
        # serving; ScheduleAnyway: a smaller cluster still runs every replica.
        topology_spread_constraint {
          max_skew           = 1
          topology_key       = "kubernetes.io/hostname"
          when_unsatisfiable = "ScheduleAnyway"
          label_selector {
            match_labels = local.selector_labels
          }
        }

        container {
          name              = "em-metrics"
          image             = "${var.image}:${var.image_tag}"
          image_pull_policy = var.image_pull_policy
          args              = ["serve"]

          port {
            name           = "http"
            container_port = 3000
            protocol       = "TCP"
          }

          dynamic "env" {
            for_each = local.env
            content {
              name  = env.key
              value = env.value
            }
          }
          env {
            name = "DATABASE_URL"
            value_from {
              secret_key_ref {
                name = local.database_secret_name
                key  = "database-url"
              }
            }
          }

          env_from {
            secret_ref {
              name = local.secret_name
            }
          }

          resources {
            requests = var.resources.requests
            limits   = var.resources.limits
          }

          volume_mount {
            name       = "config"
            mount_path = local.config_dir
            read_only  = true
          }
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }

          # Migrations run once, under an advisory lock, while the other pods wait for it.
          startup_probe {
            http_get {
              path = "/health"
              port = "http"
            }
            period_seconds    = 5
            timeout_seconds   = 3
            failure_threshold = var.startup_failure_threshold
          }
          liveness_probe {
            http_get {
              path = "/health"
              port = "http"
            }
            period_seconds    = 10
            timeout_seconds   = 3
            failure_threshold = 3
          }
          readiness_probe {
            http_get {
              path = "/health"
              port = "http"
            }
            period_seconds    = 5
            timeout_seconds   = 3
            failure_threshold = 2
          }

          security_context {
            run_as_non_root            = true
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }
        }

        volume {
          name = "config"
          config_map {
            name = var.name
          }
        }
        volume {
          name = "tmp"
          empty_dir {
            size_limit = "256Mi"
          }
        }
      }
    }
  }

  depends_on = [kubernetes_namespace_v1.this]
}

# A node drain or cluster upgrade takes one pod at a time: the others keep serving.
resource "kubernetes_pod_disruption_budget_v1" "this" {
  count = local.postgres ? 1 : 0

  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    max_unavailable = "1"
    selector {
      match_labels = local.selector_labels
    }
  }

  depends_on = [kubernetes_namespace_v1.this]
}
