# RDS PostgreSQL 17 for Langfuse and Keycloak: private subnets only, reachable from the VPC on
# 5432, encrypted, with automated backups.
resource "aws_db_subnet_group" "postgres" {
  name       = local.name
  subnet_ids = data.aws_subnets.private.ids
}

resource "aws_security_group" "postgres" {
  name        = "${local.name}-postgres"
  description = "PostgreSQL from the cluster VPC only"
  vpc_id      = data.aws_vpc.cluster.id

  ingress {
    description = "PostgreSQL from the VPC"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [local.vpc_cidr]
  }
}

# Names the final snapshots of this stack: a rebuilt environment never collides with the snapshots
# an earlier destroy left.
resource "random_id" "final_snapshot" {
  byte_length = 4
}

resource "aws_db_instance" "postgres" {
  identifier                 = local.name
  engine                     = "postgres"
  engine_version             = "17"
  auto_minor_version_upgrade = true
  instance_class             = var.postgres_instance_class
  allocated_storage          = var.postgres_allocated_storage
  # Storage autoscaling up to this size (0: off).
  max_allocated_storage = var.postgres_max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted          = true
  multi_az                   = var.postgres_multi_az

  db_subnet_group_name   = aws_db_subnet_group.postgres.name
  vpc_security_group_ids = [aws_security_group.postgres.id]
  publicly_accessible    = false

  # RDS keeps the master password in Secrets Manager and rotates it (master_user_secret): it is
  # never in this configuration or the Terraform state. The db-init Job reads it ephemerally.
  username                    = "platform_admin"
  manage_master_user_password = true

  backup_retention_period   = var.backup_retention_days
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = !var.final_snapshot
  final_snapshot_identifier = "${local.name}-final-${random_id.final_snapshot.hex}"
  copy_tags_to_snapshot     = true

  performance_insights_enabled          = var.postgres_performance_insights
  performance_insights_retention_period = var.postgres_performance_insights ? 7 : null

  enabled_cloudwatch_logs_exports = ["postgresql"]
}
