# One replica, fixed: SQLite has one writer, and the file lives on a ReadWriteOnce volume that one
# node mounts. Several replicas need a shared database: PostgreSQL, the Deployment of
# deployment.tf, which replaces this StatefulSet when database_url(_secret_name) is set. A
# StatefulSet, not a Deployment, because it never runs two pods on the claim at once: the old pod
# is gone before the new one starts.
resource "kubernetes_stateful_set_v1" "this" {
  count = local.postgres ? 0 : 1

  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    replicas     = 1
    service_name = var.name

    selector {
      match_labels = local.selector_labels
    }

    template {
      metadata {
        labels = local.labels
        annotations = {
          # The server reads the teams file at start (or on SIGHUP): a new file rolls the pod.
          "em-metrics/teams-sha256" = sha256(var.teams_json)
        }
      }

      spec {
        service_account_name             = var.name
        automount_service_account_token  = false
        # Above EM_METRICS_SHUTDOWN_GRACE_MS (10 s): SIGTERM finishes the requests in flight.
        termination_grace_period_seconds = 30

        # uid/gid 10001: the image's user. fsGroup makes the new volume writable by it;
        # OnRootMismatch skips the recursive chown of a large volume at every start.
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
            name       = "data"
            mount_path = local.data_dir
          }
          volume_mount {
            name       = "config"
            mount_path = local.config_dir
            read_only  = true
          }
          # The root file system is read-only; SQLite puts its temporary files (large sorts,
          # VACUUM) in /tmp.
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }

          # GET /health needs no credentials and answers once the database is open and migrated.
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

    volume_claim_template {
      metadata {
        name   = "data"
        labels = local.labels
      }
      spec {
        access_modes       = ["ReadWriteOnce"]
        storage_class_name = var.storage_class_name
        resources {
          requests = {
            storage = var.storage_size
          }
        }
      }
    }
  }

  depends_on = [kubernetes_namespace_v1.this]
}

# Before the PostgreSQL mode the StatefulSet had no count: existing states move to index 0.
moved {
  from = kubernetes_stateful_set_v1.this
  to   = kubernetes_stateful_set_v1.this[0]
}
