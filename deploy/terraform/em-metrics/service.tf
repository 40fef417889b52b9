resource "kubernetes_service_v1" "this" {
  metadata {
    name      = var.name
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    type     = var.service_type
    selector = local.selector_labels

    port {
      name        = "http"
      port        = var.service_port
      target_port = "http"
      protocol    = "TCP"
    }
  }

  depends_on = [kubernetes_namespace_v1.this]

  # Checked here, on an object every mode creates: a variable's own validation cannot name other
  # variables before Terraform 1.9.
  lifecycle {
    precondition {
      condition     = var.replicas == 1 || local.postgres
      error_message = "replicas > 1 requires PostgreSQL (database_url or database_url_secret_name): SQLite has one writer."
    }
    precondition {
      condition     = var.database_url == null || var.database_url_secret_name == null
      error_message = "database_url or database_url_secret_name, not both."
    }
  }
}

resource "kubernetes_ingress_v1" "this" {
  count = var.ingress_host == null ? 0 : 1

  metadata {
    name        = var.name
    namespace   = var.namespace
    labels      = local.labels
    annotations = var.ingress_annotations
  }

  spec {
    ingress_class_name = var.ingress_class_name

    rule {
      host = var.ingress_host
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = var.name
              port {
                name = "http"
              }
            }
          }
        }
      }
    }

    dynamic "tls" {
      for_each = var.ingress_tls_secret_name == null ? [] : [var.ingress_tls_secret_name]
      content {
        hosts       = [var.ingress_host]
        secret_name = tls.value
      }
    }
  }

  depends_on = [kubernetes_namespace_v1.this]
}
