output "url" {
  description = "The API's URL inside the cluster."
  value       = module.em_metrics.url
}

output "ingress_url" {
  description = "The API's URL through the Ingress, if any."
  value       = module.em_metrics.ingress_url
}
