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
