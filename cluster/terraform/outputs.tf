# Everything synth needs, none of it secret: npm run infra:outputs -- <env> validates this object
# (charts/config/infra-outputs.ts) and writes it to cluster/outputs/<env>.json.
output "platform" {
  description = "Non-secret outputs for synth (cluster/outputs/<env>.json)."
  value = {
    environment = var.environment
    region      = var.region
    accountId   = data.aws_caller_identity.current.account_id
    clusterName = var.cluster_name
    postgres = {
      host             = aws_db_instance.postgres.address
      port             = aws_db_instance.postgres.port
      langfuseDatabase = "langfuse"
      keycloakDatabase = "keycloak"
      kagentDatabase   = "kagent"
    }
    redis = {
      host = aws_elasticache_replication_group.redis.primary_endpoint_address
      port = aws_elasticache_replication_group.redis.port
    }
    s3 = {
      bucket = aws_s3_bucket.langfuse.bucket
      region = var.region
    }
    roles = {
      langfuse        = aws_iam_role.langfuse.arn
      externalSecrets = aws_iam_role.external_secrets.arn
      tenantSecrets   = aws_iam_role.tenant_secrets.arn
    }
    gateway = {
      certificateArn = aws_acm_certificate_validation.gateway.certificate_arn
    }
    secrets = { for key, secret in aws_secretsmanager_secret.this : key => secret.name }
  }
}

# What npm run infra:destroy checks before it destroys anything: a database with deletion
# protection stops a destroy half-way, after the IAM roles and secrets are gone.
output "destroy_guard" {
  description = "Whether destroy would stop at the database (npm run infra:destroy reads it)."
  value = {
    database            = aws_db_instance.postgres.identifier
    deletion_protection = aws_db_instance.postgres.deletion_protection
  }
}
