# Observability per tenant (charts/config/infra-outputs.ts OBSERVABILITY_SECRET_PROPERTIES and
# langfuseProjectSecretName): the Langfuse project key of every tenant of tenants.yaml, Langfuse's
# admin API key, and the client secrets of the Keycloak clients of Langfuse's and Grafana's
# sign-on and of the access sync. Generated here; the collector and the access sync read them
# through external-secrets. The Langfuse Enterprise licence is set out of band.
locals {
  # The tenant registry synth compiles: a tenant added there needs `npm run infra:apply` for its
  # key (until then its collector pipeline is refused by Langfuse; nothing else is affected).
  observability_tenants = toset([for t in yamldecode(file("${path.module}/../../tenants.yaml")).tenants : t.name])

  observability_secret_names = {
    langfuseAdmin        = "observability/langfuse-admin"
    observabilityClients = "observability/observability-clients"
    langfuseLicense      = "observability/langfuse-license"
  }
}

resource "aws_secretsmanager_secret" "observability" {
  for_each                = local.observability_secret_names
  name                    = "agentic-platform/${var.environment}/${each.value}"
  recovery_window_in_days = var.secret_recovery_days
}

resource "random_password" "langfuse_admin_api_key" {
  length  = 48
  special = false
}

resource "random_password" "oidc_langfuse" {
  length  = 48
  special = false
}

resource "random_password" "oidc_grafana" {
  length  = 48
  special = false
}

resource "random_password" "oidc_access_sync" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret_version" "langfuse_admin" {
  secret_id     = aws_secretsmanager_secret.observability["langfuseAdmin"].id
  secret_string = jsonencode({ adminApiKey = random_password.langfuse_admin_api_key.result })
}

resource "aws_secretsmanager_secret_version" "observability_clients" {
  secret_id = aws_secretsmanager_secret.observability["observabilityClients"].id
  secret_string = jsonencode({
    langfuseClientSecret   = random_password.oidc_langfuse.result
    grafanaClientSecret    = random_password.oidc_grafana.result
    accessSyncClientSecret = random_password.oidc_access_sync.result
  })
}

# langfuseLicense {licenseKey} has no version here:
#   aws secretsmanager put-secret-value --secret-id agentic-platform/<env>/observability/langfuse-license \
#     --secret-string "$(jq -n --arg k "$LANGFUSE_EE_LICENSE_KEY" '{licenseKey: $k}')"

# One Langfuse project key per tenant; a tenant removed from tenants.yaml loses its entry (the
# access sync has already deleted the key in Langfuse).
resource "aws_secretsmanager_secret" "langfuse_project" {
  for_each                = local.observability_tenants
  name                    = "agentic-platform/${var.environment}/langfuse-projects/${each.key}"
  recovery_window_in_days = var.secret_recovery_days
}

resource "random_uuid" "langfuse_project_public_key" {
  for_each = local.observability_tenants
}

resource "random_uuid" "langfuse_project_secret_key" {
  for_each = local.observability_tenants
}

resource "aws_secretsmanager_secret_version" "langfuse_project" {
  for_each  = local.observability_tenants
  secret_id = aws_secretsmanager_secret.langfuse_project[each.key].id
  secret_string = jsonencode({
    publicKey = "pk-lf-${random_uuid.langfuse_project_public_key[each.key].result}"
    secretKey = "sk-lf-${random_uuid.langfuse_project_secret_key[each.key].result}"
  })
}
