# Production: deletion protection and a final snapshot, a standby database and a Redis replica.
postgres_instance_class    = "db.t4g.small"
postgres_allocated_storage = 20
postgres_multi_az          = true
backup_retention_days      = 14
deletion_protection        = true
redis_node_type            = "cache.t4g.small"
redis_replicas             = 1
secret_recovery_days       = 30
