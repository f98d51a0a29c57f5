# AWS Secrets Manager: one entry per secret the platform reads (through external-secrets), each a
# JSON object whose properties are SECRET_PROPERTIES in charts/config/infra-outputs.ts.
# Generated values come from random_* resources (Terraform state is encrypted in S3); the LLM API
# keys and the Grafana MCP token are set out of band and never pass through Terraform.
locals {
  secret_names = {
    langfuseDatabase = "langfuse-database"
    keycloakDatabase = "keycloak-database"
    kagentDatabase   = "kagent-database"
    redisAuth        = "redis-auth"
    clickhouse       = "clickhouse"
    langfuseAuth     = "langfuse-auth"
    langfuseApiKeys  = "langfuse-api-keys"
    keycloakAdmin    = "keycloak-admin"
    grafanaAdmin     = "grafana-admin"
    grafanaMcpToken  = "grafana-mcp-token"
    anthropicApiKey  = "anthropic-api-key"
    openaiApiKey     = "openai-api-key"
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each                = local.secret_names
  name                    = "agentic-platform/${var.environment}/${each.value}"
  recovery_window_in_days = var.secret_recovery_days
}

resource "random_password" "langfuse_database" {
  length  = 32
  special = false
}

resource "random_password" "keycloak_database" {
  length  = 32
  special = false
}

# Alphanumeric: kagent's connection URL carries it (external-secrets escapes it there all the same).
resource "random_password" "kagent_database" {
  length  = 32
  special = false
}

resource "random_password" "clickhouse" {
  length  = 32
  special = false
}

resource "random_password" "langfuse_nextauth_secret" {
  length  = 48
  special = false
}

resource "random_password" "langfuse_salt" {
  length  = 48
  special = false
}

# Langfuse wants 256 bits as 64 hexadecimal characters.
resource "random_id" "langfuse_encryption_key" {
  byte_length = 32
}

resource "random_password" "langfuse_admin" {
  length  = 24
  special = false
}

resource "random_uuid" "langfuse_public_key" {}

resource "random_uuid" "langfuse_secret_key" {}

resource "random_password" "keycloak_admin" {
  length  = 24
  special = false
}

resource "random_password" "grafana_admin" {
  length  = 24
  special = false
}

resource "aws_secretsmanager_secret_version" "langfuse_database" {
  secret_id     = aws_secretsmanager_secret.this["langfuseDatabase"].id
  secret_string = jsonencode({ username = "langfuse", password = random_password.langfuse_database.result })
}

resource "aws_secretsmanager_secret_version" "keycloak_database" {
  secret_id     = aws_secretsmanager_secret.this["keycloakDatabase"].id
  secret_string = jsonencode({ username = "keycloak", password = random_password.keycloak_database.result })
}

resource "aws_secretsmanager_secret_version" "kagent_database" {
  secret_id     = aws_secretsmanager_secret.this["kagentDatabase"].id
  secret_string = jsonencode({ username = "kagent", password = random_password.kagent_database.result })
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id     = aws_secretsmanager_secret.this["redisAuth"].id
  secret_string = jsonencode({ password = random_password.redis_auth.result })
}

resource "aws_secretsmanager_secret_version" "clickhouse" {
  secret_id     = aws_secretsmanager_secret.this["clickhouse"].id
  secret_string = jsonencode({ password = random_password.clickhouse.result })
}

resource "aws_secretsmanager_secret_version" "langfuse_auth" {
  secret_id = aws_secretsmanager_secret.this["langfuseAuth"].id
  secret_string = jsonencode({
    nextauthSecret = random_password.langfuse_nextauth_secret.result
    salt           = random_password.langfuse_salt.result
    encryptionKey  = random_id.langfuse_encryption_key.hex
    adminPassword  = random_password.langfuse_admin.result
  })
}

resource "aws_secretsmanager_secret_version" "langfuse_api_keys" {
  secret_id = aws_secretsmanager_secret.this["langfuseApiKeys"].id
  secret_string = jsonencode({
    publicKey = "pk-lf-${random_uuid.langfuse_public_key.result}"
    secretKey = "sk-lf-${random_uuid.langfuse_secret_key.result}"
  })
}

resource "aws_secretsmanager_secret_version" "keycloak_admin" {
  secret_id     = aws_secretsmanager_secret.this["keycloakAdmin"].id
  secret_string = jsonencode({ username = "admin", password = random_password.keycloak_admin.result })
}

resource "aws_secretsmanager_secret_version" "grafana_admin" {
  secret_id     = aws_secretsmanager_secret.this["grafanaAdmin"].id
  secret_string = jsonencode({ username = "admin", password = random_password.grafana_admin.result })
}

# grafanaMcpToken {token}, anthropicApiKey {apiKey} and openaiApiKey {apiKey} have no version
# here: put their values with
#   aws secretsmanager put-secret-value --secret-id agentic-platform/<env>/anthropic-api-key \
#     --secret-string '{"apiKey":"..."}'
