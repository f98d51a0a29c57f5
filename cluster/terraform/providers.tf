locals {
  # Every resource Terraform creates carries these; cluster:delete looks for what is left by
  # platform.agentic.io/stack before it deletes the cluster's VPC stack.
  default_tags = {
    "app.kubernetes.io/managed-by" = "agentic-platform"
    environment                    = var.environment
    "platform.agentic.io/stack"    = "data-services"
  }
}

provider "aws" {
  region = var.region
  # Refuses to touch any other account than the environment's (aws.accountId, required).
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.default_tags
  }
}

# The region that receives copies of the database's automated backups and of the volume backups
# (backup_copy_region); the main region when there is none, and then nothing uses it.
provider "aws" {
  alias               = "backup_copy"
  region              = coalesce(var.backup_copy_region, var.region)
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = local.default_tags
  }
}

# The cluster runs the one-off Job that creates the application databases and users: the
# database is reachable from inside the VPC only. A token is fetched for every call (exec), so an
# apply that waits for RDS longer than a token lives (15 minutes) keeps its access: terraform-
# provider-kubernetes v2.38.0 docs/index.md "Exec plugins".
provider "kubernetes" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", var.cluster_name, "--region", var.region, "--output", "json"]
  }
}
