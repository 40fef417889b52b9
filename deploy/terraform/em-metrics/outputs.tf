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
  description = "Name of the StatefulSet (SQLite); its pod is <name>-0. null in PostgreSQL mode."
  value       = local.postgres ? null : kubernetes_stateful_set_v1.this[0].metadata[0].name
}

output "volume_claim_name" {
  description = "Name of the volume claim holding the SQLite database (data-<name>-0): kept when the StatefulSet is deleted. null in PostgreSQL mode."
  value       = local.postgres ? null : "data-${var.name}-0"
}

output "deployment_name" {
  description = "Name of the Deployment (PostgreSQL mode); null with SQLite."
  value       = local.postgres ? kubernetes_deployment_v1.this[0].metadata[0].name : null
}

output "database_secret_name" {
  description = "Name of the Secret whose key database-url the pods read as DATABASE_URL; null with SQLite."
  value       = local.postgres ? local.database_secret_name : null
}

output "secret_name" {
  description = "Name of the Secret the pod reads its secret settings from."
  value       = local.secret_name
}
