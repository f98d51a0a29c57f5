# IAM roles for service accounts (the cluster's OIDC provider): Langfuse reads and writes its
# bucket; external-secrets reads this environment's platform secrets, and reads a tenant's own
# secrets (bring-your-own LLM keys) only by assuming tenant-secrets with that tenant's session tag.
# Nothing else.
locals {
  # The service accounts (system:serviceaccount:<namespace>:<name>) that may assume each role.
  irsa_subjects = {
    langfuse         = ["system:serviceaccount:langfuse:langfuse-web", "system:serviceaccount:langfuse:langfuse-worker"]
    external_secrets = ["system:serviceaccount:external-secrets:external-secrets"]
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = local.irsa_subjects
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc}:sub"
      values   = each.value
    }
  }
}

data "aws_iam_policy_document" "langfuse_s3" {
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.langfuse.arn]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.langfuse.arn}/*"]
  }
}

resource "aws_iam_role" "langfuse" {
  name               = "${local.name}-langfuse"
  assume_role_policy = data.aws_iam_policy_document.trust["langfuse"].json
}

resource "aws_iam_role_policy" "langfuse_s3" {
  name   = "langfuse-bucket"
  role   = aws_iam_role.langfuse.id
  policy = data.aws_iam_policy_document.langfuse_s3.json
}

locals {
  secret_arn_prefix = "arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:agentic-platform/${var.environment}"
}

data "aws_iam_policy_document" "external_secrets_read" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.secret_arn_prefix}/*"]
  }
  # Tenants' entries only through tenant-secrets, which scopes each read to one tenant.
  statement {
    effect    = "Deny"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.secret_arn_prefix}/tenants/*"]
  }
  statement {
    actions   = ["sts:AssumeRole", "sts:TagSession"]
    resources = [aws_iam_role.tenant_secrets.arn]
  }
}

resource "aws_iam_role" "external_secrets" {
  name               = "${local.name}-external-secrets"
  assume_role_policy = data.aws_iam_policy_document.trust["external_secrets"].json
}

resource "aws_iam_role_policy" "external_secrets_read" {
  name   = "read-environment-secrets"
  role   = aws_iam_role.external_secrets.id
  policy = data.aws_iam_policy_document.external_secrets_read.json
}

# A tenant's SecretStore (platform-owned, in the tenant namespace) makes external-secrets assume
# this role with the session tag tenant=<name>; the role reads agentic-platform/<env>/tenants/<name>/*
# and nothing else, so one tenant's store can never read another tenant's keys.
data "aws_iam_policy_document" "tenant_secrets_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.external_secrets.arn]
    }
    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/tenant"
      values   = ["?*"]
    }
  }
}

data "aws_iam_policy_document" "tenant_secrets_read" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.secret_arn_prefix}/tenants/$${aws:PrincipalTag/tenant}/*"]
  }
}

resource "aws_iam_role" "tenant_secrets" {
  name               = "${local.name}-tenant-secrets"
  assume_role_policy = data.aws_iam_policy_document.tenant_secrets_trust.json
}

resource "aws_iam_role_policy" "tenant_secrets_read" {
  name   = "read-own-tenant-secrets"
  role   = aws_iam_role.tenant_secrets.id
  policy = data.aws_iam_policy_document.tenant_secrets_read.json
}
