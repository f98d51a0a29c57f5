# Development: smallest sizes. Deletion protection is off so that the environment can be torn
# down and rebuilt (npm run infra:destroy -- dev); there is no final snapshot either.
postgres_instance_class    = "db.t4g.small"
postgres_allocated_storage = 20
postgres_multi_az          = false
backup_retention_days      = 1
deletion_protection        = false
redis_node_type            = "cache.t4g.small"
redis_replicas             = 0
secret_recovery_days       = 0
