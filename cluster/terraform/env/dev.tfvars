# Development: smallest sizes, and everything can be torn down and rebuilt
# (npm run infra:destroy -- dev): no deletion protection, no final snapshots, the bucket is
# emptied on destroy, deleted secrets go at once.
postgres_instance_class      = "db.t4g.small"
postgres_allocated_storage   = 20
postgres_multi_az            = false
backup_retention_days        = 1
deletion_protection          = false
final_snapshot               = false
force_destroy                = true
redis_node_type              = "cache.t4g.small"
redis_replicas               = 0
secret_recovery_days         = 0
volume_backup_retention_days = 3
monthly_budget_usd           = 600
budget_alert_emails          = ["platform-team@example.com"]
