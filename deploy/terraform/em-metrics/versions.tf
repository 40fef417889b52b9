# Terraform 1.3 or later. The provider: every *_v1 resource used here has the same schema in 2.30+
# and 3.x (3.0 removed only the unversioned resources); a root module pins the exact version
# (examples/basic, and its .terraform.lock.hcl once initialised).
terraform {
  required_version = ">= 1.3.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.30.0, < 4.0.0"
    }
  }
}
