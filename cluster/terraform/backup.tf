# Backups beyond RDS's automated ones:
# - AWS Backup takes a daily snapshot of every EBS volume the platform's StorageClass tags
#   platform.agentic.io/backup=<env> (ClickHouse, where Langfuse keeps its traces, Prometheus,
#   Grafana, Alertmanager), and copies it to backup_copy_region when one is set;
# - RDS replicates its automated backups to backup_copy_region, so the database can be restored
#   there to any point in time of backup_retention_days.
# The restore procedures are in docs/operator-runbook.md.
locals {
  copy_backups = var.backup_copy_region != null
  # The tag the gp3 StorageClass puts on every volume it creates (AWS_TAGS.volumeBackup in charts/lib/constants.ts).
  volume_backup_tag = "platform.agentic.io/backup"
}

resource "aws_backup_vault" "volumes" {
  name          = "${local.name}-volumes"
  force_destroy = var.force_destroy
}

resource "aws_backup_vault" "volumes_copy" {
  count         = local.copy_backups ? 1 : 0
  provider      = aws.backup_copy
  name          = "${local.name}-volumes"
  force_destroy = var.force_destroy
}

resource "aws_backup_plan" "volumes" {
  name = "${local.name}-volumes"
  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.volumes.name
    schedule          = "cron(0 3 * * ? *)"
    lifecycle {
      delete_after = var.volume_backup_retention_days
    }
    dynamic "copy_action" {
      for_each = aws_backup_vault.volumes_copy
      content {
        destination_vault_arn = copy_action.value.arn
        lifecycle {
          delete_after = var.volume_backup_retention_days
        }
      }
    }
  }
}

data "aws_iam_policy_document" "backup_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name               = "${local.name}-backup"
  assume_role_policy = data.aws_iam_policy_document.backup_trust.json
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each   = toset(["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"])
  role       = aws_iam_role.backup.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/${each.value}"
}

resource "aws_backup_selection" "volumes" {
  name         = "${local.name}-volumes"
  plan_id      = aws_backup_plan.volumes.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = ["arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:volume/*"]
  condition {
    string_equals {
      key   = "aws:ResourceTag/${local.volume_backup_tag}"
      value = var.environment
    }
  }
}

# The database's automated backups, replicated to the copy region (encrypted there with a key of
# that region, as RDS requires for an encrypted instance).
resource "aws_kms_key" "postgres_backup_copy" {
  count                   = local.copy_backups ? 1 : 0
  provider                = aws.backup_copy
  description             = "${local.name}: replicated PostgreSQL backups"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_db_instance_automated_backups_replication" "postgres" {
  count                  = local.copy_backups ? 1 : 0
  provider               = aws.backup_copy
  source_db_instance_arn = aws_db_instance.postgres.arn
  kms_key_id             = aws_kms_key.postgres_backup_copy[0].arn
  retention_period       = var.backup_retention_days
}
