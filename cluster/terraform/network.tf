# The VPC and subnets that eksctl created with the cluster (npm run cluster:create).
data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_vpc" "cluster" {
  id = data.aws_eks_cluster.this.vpc_config[0].vpc_id
}

# eksctl tags its private subnets for internal load balancers.
data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.cluster.id]
  }
  tags = {
    "kubernetes.io/role/internal-elb" = "1"
  }
}

data "aws_iam_openid_connect_provider" "cluster" {
  url = data.aws_eks_cluster.this.identity[0].oidc[0].issuer
}

locals {
  name     = "agentic-platform-${var.environment}"
  vpc_cidr = data.aws_vpc.cluster.cidr_block
  oidc     = replace(data.aws_iam_openid_connect_provider.cluster.url, "https://", "")
}

# The route tables of the private subnets (eksctl makes one per zone).
data "aws_route_table" "private" {
  for_each  = toset(data.aws_subnets.private.ids)
  subnet_id = each.value
}

# S3 traffic of the private subnets (Langfuse's events and media) goes through this gateway
# endpoint instead of the NAT gateways, which bill every gigabyte.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = data.aws_vpc.cluster.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = sort(distinct([for rt in data.aws_route_table.private : rt.id]))
}
