variable "environment" {
  description = "Environment name (charts/environments/<env>.yaml); passed by the npm scripts."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.environment))
    error_message = "environment must be a DNS label, such as dev."
  }
}

variable "region" {
  description = "AWS region (aws.region of the environment file); passed by the npm scripts."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster created by npm run cluster:create (aws.clusterName); passed by the npm scripts."
  type        = string
}

variable "domain" {
  description = "platform.domain of the environment file; passed by the npm scripts."
  type        = string
}

variable "hosted_zone_id" {
  description = "Route 53 hosted zone of the domain (aws.hostedZoneId); passed by the npm scripts."
  type        = string
}

variable "account_id" {
  description = "AWS account the environment must live in (aws.accountId), or null for any."
  type        = string
  default     = null
}

variable "postgres_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.small"
}

variable "postgres_allocated_storage" {
  description = "RDS storage in GiB (gp3)."
  type        = number
  default     = 20
}

variable "postgres_multi_az" {
  description = "Standby instance in a second zone."
  type        = bool
  default     = false
}

variable "backup_retention_days" {
  description = "Days of automated RDS backups (and ElastiCache snapshots)."
  type        = number
  default     = 7
  validation {
    condition     = var.backup_retention_days >= 1
    error_message = "backup_retention_days must be at least 1: automated backups stay on."
  }
}

variable "deletion_protection" {
  description = "Protect the database from deletion and take a final snapshot on destroy. On by default; dev turns it off so that the environment can be torn down."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_replicas" {
  description = "Read replicas next to the primary (1 or more turns on automatic failover)."
  type        = number
  default     = 0
}

variable "secret_recovery_days" {
  description = "Days a deleted Secrets Manager secret can be restored (0 deletes at once)."
  type        = number
  default     = 30
}
