output "namespace" {
  description = "Namespace of the objects."
  value       = var.namespace
}

output "service_name" {
  description = "Name of the Service."
  value       = kubernetes_service_v1.this.metadata[0].name
}

output "url" {
  description = "The API's URL inside the cluster (EM_METRICS_URL for the CI client run in the cluster; the base URL of Grafana's Infinity data source)."
  value       = "http://${kubernetes_service_v1.this.metadata[0].name}.${var.namespace}.svc.cluster.local:${var.service_port}"
}

output "ingress_url" {
  description = "The API's URL through the Ingress; null without one."
  value       = var.ingress_host == null ? null : "${var.ingress_tls_secret_name == null ? "http" : "https"}://${var.ingress_host}"
}

output "stateful_set_name" {
  description = "Name of the StatefulSet; its pod is <name>-0."
  value       = kubernetes_stateful_set_v1.this.metadata[0].name
}

output "volume_claim_name" {
  description = "Name of the volume claim holding the database (data-<name>-0): kept when the StatefulSet is deleted."
  value       = "data-${var.name}-0"
}

output "secret_name" {
  description = "Name of the Secret the pod reads its secret settings from."
  value       = local.secret_name
}
