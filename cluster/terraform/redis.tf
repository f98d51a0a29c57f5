# ElastiCache Redis for Langfuse: private subnets, reachable from the VPC on 6379, TLS in transit,
# encrypted at rest, AUTH token required.
resource "aws_elasticache_subnet_group" "redis" {
  name       = local.name
  subnet_ids = data.aws_subnets.private.ids
}

resource "aws_security_group" "redis" {
  name        = "${local.name}-redis"
  description = "Redis from the cluster VPC only"
  vpc_id      = data.aws_vpc.cluster.id

  ingress {
    description = "Redis from the VPC"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [local.vpc_cidr]
  }
}

resource "random_password" "redis_auth" {
  length  = 48
  special = false
}

# Langfuse queues its work in Redis and requires that no key is ever evicted: langfuse chart
# 1.5.19 templates/validations.yaml fails unless its own Redis runs with
# `--maxmemory-policy noeviction`. ElastiCache's default parameter group evicts (volatile-lru).
resource "aws_elasticache_parameter_group" "redis" {
  name        = "${local.name}-redis7"
  family      = "redis7"
  description = "Langfuse: never evict keys"
  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = local.name
  description          = "Langfuse cache and queue (${var.environment})"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = var.redis_node_type
  port                 = 6379
  parameter_group_name = aws_elasticache_parameter_group.redis.name

  num_cache_clusters         = 1 + var.redis_replicas
  automatic_failover_enabled = var.redis_replicas > 0
  multi_az_enabled           = var.redis_replicas > 0

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = [aws_security_group.redis.id]

  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  auth_token                 = random_password.redis_auth.result

  snapshot_retention_limit = var.backup_retention_days
  # A snapshot when the group is destroyed (final_snapshot, on in prod).
  final_snapshot_identifier = var.final_snapshot ? "${local.name}-redis-final-${random_id.final_snapshot.hex}" : null
}
