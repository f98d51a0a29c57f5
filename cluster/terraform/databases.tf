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

# The RDS master password, as RDS keeps it in Secrets Manager: read at apply time, never stored in
# the state (hashicorp/aws ephemeral resource aws_secretsmanager_secret_version).
ephemeral "aws_secretsmanager_secret_version" "postgres_master" {
  secret_id = aws_db_instance.postgres.master_user_secret[0].secret_arn
}

locals {
  # The Job and its Secret are named after the script: a new database runs them again.
  db_init_name = "db-init-${substr(sha256(local.db_init_script), 0, 10)}"
  # A kubeconfig of the cluster for kubectl, from the same AWS credentials as the providers.
  with_kubeconfig = <<-SH
    set -eu
    KUBECONFIG=$(mktemp)
    export KUBECONFIG
    trap 'rm -f "$KUBECONFIG"' EXIT
    aws eks update-kubeconfig --name "$CLUSTER" --region "$REGION" --kubeconfig "$KUBECONFIG" >/dev/null
  SH
}

# The Job's Secret exists only while the Job runs: created here with kubectl (so that it is in no
# Terraform state) and removed by db_init_secret_removal once the Job completed. The values reach
# kubectl on standard input, never on a command line.
resource "terraform_data" "db_init_secret" {
  triggers_replace = [local.db_init_name]

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    command     = <<-SH
      ${local.with_kubeconfig}
      printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=%s\nPGPASSWORD=%s\nPGDATABASE=postgres\nPGSSLMODE=require\nLANGFUSE_PASSWORD=%s\nKEYCLOAK_PASSWORD=%s\nKAGENT_PASSWORD=%s\n' \
        "$PGHOST" "$PGPORT" "$PGUSER" "$PGPASSWORD" "$LANGFUSE_PASSWORD" "$KEYCLOAK_PASSWORD" "$KAGENT_PASSWORD" |
        kubectl create secret generic "$NAME" --namespace "$NAMESPACE" --from-env-file=/dev/stdin --dry-run=client --output=yaml |
        kubectl apply --filename=-
    SH
    environment = {
      CLUSTER           = var.cluster_name
      REGION            = var.region
      NAMESPACE         = kubernetes_namespace_v1.db_init.metadata[0].name
      NAME              = local.db_init_name
      PGHOST            = aws_db_instance.postgres.address
      PGPORT            = tostring(aws_db_instance.postgres.port)
      PGUSER            = aws_db_instance.postgres.username
      PGPASSWORD        = jsondecode(ephemeral.aws_secretsmanager_secret_version.postgres_master.secret_string).password
      LANGFUSE_PASSWORD = random_password.langfuse_database.result
      KEYCLOAK_PASSWORD = random_password.keycloak_database.result
      KAGENT_PASSWORD   = random_password.kagent_database.result
    }
  }
}

# Named after the script: a new database (a change of the script) replaces the Job, which then
# runs again; a finished Job is never run twice by Terraform otherwise.
resource "kubernetes_job_v1" "db_init" {
  metadata {
    name      = local.db_init_name
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
              name = local.db_init_name
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
  depends_on = [terraform_data.db_init_secret]
}

# Once the Job completed, its Secret (the master password among its values) leaves the cluster.
resource "terraform_data" "db_init_secret_removal" {
  triggers_replace = [kubernetes_job_v1.db_init.metadata[0].uid]

  provisioner "local-exec" {
    interpreter = ["/bin/sh", "-c"]
    command     = <<-SH
      ${local.with_kubeconfig}
      kubectl delete secret "$NAME" --namespace "$NAMESPACE" --ignore-not-found
    SH
    environment = {
      CLUSTER   = var.cluster_name
      REGION    = var.region
      NAMESPACE = kubernetes_namespace_v1.db_init.metadata[0].name
      NAME      = local.db_init_name
    }
  }
}
