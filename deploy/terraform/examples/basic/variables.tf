variable "kubeconfig_path" {
  description = "Path of the kubeconfig file of the target cluster."
  type        = string
  default     = "~/.kube/config"
}

variable "kubeconfig_context" {
  description = "Context of the kubeconfig to use; null: its current context."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Namespace to create and deploy into."
  type        = string
  default     = "em-metrics"
}

variable "image" {
  description = "Image repository: your registry's copy of the image built from the repository's Dockerfile (releases will be pushed to ghcr.io/em-metrics/em-metrics)."
  type        = string
  default     = "ghcr.io/em-metrics/em-metrics"
}

variable "image_tag" {
  description = "Image tag."
  type        = string
  default     = "0.1.0"
}

variable "storage_class_name" {
  description = "Storage class of the database's volume; null: the cluster's default."
  type        = string
  default     = null
}

variable "token_auth" {
  description = "API token (EM_METRICS_TOKEN_AUTH), e.g. from TF_VAR_token_auth; pipelines send `Authorization: Token <token>`."
  type        = string
  sensitive   = true
}

variable "ingress_host" {
  description = "Public host name of the API; null: no Ingress (reach it with kubectl port-forward or from inside the cluster)."
  type        = string
  default     = null
}

variable "ingress_class_name" {
  description = "Ingress class; null: the cluster's default."
  type        = string
  default     = null
}

variable "ingress_tls_secret_name" {
  description = "TLS Secret of ingress_host; null: plain HTTP."
  type        = string
  default     = null
}
