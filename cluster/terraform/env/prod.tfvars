# Production: deletion protection and final snapshots, a standby database and a Redis replica on
# production (non-burstable) classes, storage autoscaling, Performance Insights, and copies of the
# database and volume backups in a second region.
postgres_instance_class        = "db.m7g.large"
postgres_allocated_storage     = 50
postgres_max_allocated_storage = 500
postgres_performance_insights  = true
postgres_multi_az              = true
backup_retention_days          = 14
deletion_protection            = true
final_snapshot                 = true
force_destroy                  = false
redis_node_type                = "cache.m7g.large"
redis_replicas                 = 1
secret_recovery_days           = 30
backup_copy_region             = "us-west-2"
volume_backup_retention_days   = 14
monthly_budget_usd             = 4000
budget_alert_emails            = ["platform-team@example.com"]
