# A root module using ../../em-metrics: `terraform init && terraform apply` against the cluster of
# a kubeconfig (docs/kubernetes.md#terraform).
terraform {
  required_version = ">= 1.3.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.2"
    }
  }
}

provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kubeconfig_context
}

module "em_metrics" {
  source = "../../em-metrics"

  namespace          = var.namespace
  image              = var.image
  image_tag          = var.image_tag
  storage_class_name = var.storage_class_name
  teams_json         = file("${path.module}/teams.json")
  token_auth         = var.token_auth

  ingress_host            = var.ingress_host
  ingress_class_name      = var.ingress_class_name
  ingress_tls_secret_name = var.ingress_tls_secret_name
}
