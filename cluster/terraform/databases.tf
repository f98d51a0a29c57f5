# The Langfuse, Keycloak and kagent databases and their owners. The database is reachable from inside the
# VPC only, so a one-off Job in the cluster creates them (idempotent: it creates what is missing
# and sets the passwords of the Secrets Manager entries).
locals {
  db_init_script = <<-SCRIPT
    set -eu
    for app in langfuse keycloak kagent; do
      case "$app" in
        langfuse) pw="$LANGFUSE_PASSWORD" ;;
        keycloak) pw="$KEYCLOAK_PASSWORD" ;;
        kagent) pw="$KAGENT_PASSWORD" ;;
      esac
      psql -v ON_ERROR_STOP=1 -v app="$app" -v pw="$pw" <<'SQL'
    SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
    SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'pw') \gexec
    SELECT format('GRANT %I TO CURRENT_USER', :'app') \gexec
    SELECT format('CREATE DATABASE %I OWNER %I', :'app', :'app') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'app') \gexec
    SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'app') \gexec
    SQL
    done
  SCRIPT
}

resource "kubernetes_namespace_v1" "db_init" {
  metadata {
    name = "platform-db-init"
    labels = {
      "pod-security.kubernetes.io/enforce" = "restricted"
    }
  }
}

resource "kubernetes_secret_v1" "db_init" {
  metadata {
    name      = "db-init"
    namespace = kubernetes_namespace_v1.db_init.metadata[0].name
  }
  data = {
    PGHOST            = aws_db_instance.postgres.address
    PGPORT            = tostring(aws_db_instance.postgres.port)
    PGUSER            = aws_db_instance.postgres.username
    PGPASSWORD        = random_password.postgres_master.result
    PGDATABASE        = "postgres"
    PGSSLMODE         = "require"
    LANGFUSE_PASSWORD = random_password.langfuse_database.result
    KEYCLOAK_PASSWORD = random_password.keycloak_database.result
    KAGENT_PASSWORD   = random_password.kagent_database.result
  }
}

# Named after the script: a new database (a change of the script) replaces the Job, which then
# runs again; a finished Job is never run twice by Terraform otherwise.
resource "kubernetes_job_v1" "db_init" {
  metadata {
    name      = "db-init-${substr(sha256(local.db_init_script), 0, 10)}"
    namespace = kubernetes_namespace_v1.db_init.metadata[0].name
  }
  spec {
    backoff_limit = 6
    template {
      metadata {}
      spec {
        restart_policy = "OnFailure"
        node_selector  = { "node-role" = "platform" }
        toleration {
          key      = "workload"
          operator = "Equal"
          value    = "platform"
          effect   = "NoSchedule"
        }
        security_context {
          run_as_non_root = true
          run_as_user     = 70
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }
        container {
          name    = "psql"
          image   = "postgres:17-alpine"
          command = ["/bin/sh", "-c", local.db_init_script]
          env_from {
            secret_ref {
              name = kubernetes_secret_v1.db_init.metadata[0].name
            }
          }
          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }
        }
      }
    }
  }
  wait_for_completion = true
  timeouts {
    create = "10m"
    update = "10m"
  }
}
