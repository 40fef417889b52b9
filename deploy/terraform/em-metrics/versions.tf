# Terraform 1.3 for optional() in object types and for `nullable`; the kubernetes provider's 2.x
# line has every *_v1 resource used here (docs/kubernetes.md).
terraform {
  required_version = ">= 1.3.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.30"
    }
  }
}
