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
  description = "AWS account the environment lives in (aws.accountId); the providers refuse any other. Passed by the npm scripts."
  type        = string
  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit AWS account ID of the environment."
  }
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

variable "postgres_max_allocated_storage" {
  description = "Upper bound in GiB of RDS storage autoscaling; 0 turns autoscaling off."
  type        = number
  default     = 0
}

variable "postgres_performance_insights" {
  description = "Performance Insights on the database (7 days of history)."
  type        = bool
  default     = false
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
  description = "Protect the database from deletion. On by default; dev turns it off so that the environment can be torn down. npm run infra:destroy refuses while it is on."
  type        = bool
  default     = true
}

variable "final_snapshot" {
  description = "Take a final snapshot of the database and of Redis when they are destroyed. On by default; dev turns it off."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let destroy delete the Langfuse bucket with every object version in it and the backup vaults with their recovery points. Off by default (destroy stops at a used bucket or vault); dev turns it on."
  type        = bool
  default     = false
}

variable "noncurrent_version_days" {
  description = "Days an overwritten or deleted object of the Langfuse bucket is kept as a noncurrent version."
  type        = number
  default     = 30
}

variable "backup_copy_region" {
  description = "Region that receives copies of the database's automated backups and of the volume backups, or null for none."
  type        = string
  default     = null
}

variable "volume_backup_retention_days" {
  description = "Days AWS Backup keeps the daily snapshots of the platform's EBS volumes (ClickHouse, Prometheus, Grafana, Alertmanager)."
  type        = number
  default     = 7
  validation {
    condition     = var.volume_backup_retention_days >= 1
    error_message = "volume_backup_retention_days must be at least 1."
  }
}

variable "monthly_budget_usd" {
  description = "Monthly AWS Budget of the environment in USD (costs tagged environment=<env>); alerts at 80% forecast and 100% actual."
  type        = number
  validation {
    condition     = var.monthly_budget_usd > 0
    error_message = "monthly_budget_usd must be a positive amount."
  }
}

variable "budget_alert_emails" {
  description = "Addresses the budget alerts go to."
  type        = list(string)
  validation {
    condition     = length(var.budget_alert_emails) > 0
    error_message = "budget_alert_emails needs at least one address."
  }
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
