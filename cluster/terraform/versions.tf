terraform {
  # Terraform 1.11+ or OpenTofu 1.11+: S3 backend with use_lockfile, ephemeral resources (the RDS
  # master password is read without being stored).
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.38"
    }
  }

  # Partial configuration: npm run infra:init -- <env> passes bucket, key, region, encrypt and
  # use_lockfile (one state file per environment, see cluster/README.md).
  backend "s3" {}
}
