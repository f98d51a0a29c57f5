provider "aws" {
  region = var.region
  # Refuses to touch any other account when the environment file names one.
  allowed_account_ids = var.account_id == null ? null : [var.account_id]

  default_tags {
    tags = {
      "app.kubernetes.io/managed-by" = "agentic-platform"
      environment                    = var.environment
    }
  }
}

# The cluster runs the one-off Job that creates the application databases and users: the
# database is reachable from inside the VPC only.
provider "kubernetes" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  token                  = data.aws_eks_cluster_auth.this.token
}
