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

resource "random_password" "postgres_master" {
  length  = 32
  special = false
}

resource "aws_db_instance" "postgres" {
  identifier                 = local.name
  engine                     = "postgres"
  engine_version             = "17"
  auto_minor_version_upgrade = true
  instance_class             = var.postgres_instance_class
  allocated_storage          = var.postgres_allocated_storage
  storage_type               = "gp3"
  storage_encrypted          = true
  multi_az                   = var.postgres_multi_az

  db_subnet_group_name   = aws_db_subnet_group.postgres.name
  vpc_security_group_ids = [aws_security_group.postgres.id]
  publicly_accessible    = false

  username = "platform_admin"
  password = random_password.postgres_master.result

  backup_retention_period   = var.backup_retention_days
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = !var.deletion_protection
  final_snapshot_identifier = "${local.name}-final"
  copy_tags_to_snapshot     = true

  enabled_cloudwatch_logs_exports = ["postgresql"]
}
