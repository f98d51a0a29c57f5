# The Langfuse event and media bucket: encrypted, versioned, never public, TLS only.
locals {
  # Bucket names are global across every AWS account: the account and region make this one unique
  # for each adopter, as the state bucket's name does (cluster/cli.ts stateBucket).
  langfuse_bucket = "agentic-platform-langfuse-${var.environment}-${data.aws_caller_identity.current.account_id}-${var.region}"
}

resource "aws_s3_bucket" "langfuse" {
  bucket = local.langfuse_bucket
  # Lets destroy empty a used bucket, every object version included: dev only (force_destroy).
  force_destroy = var.force_destroy

  lifecycle {
    precondition {
      condition     = length(local.langfuse_bucket) <= 63
      error_message = "The bucket name ${local.langfuse_bucket} is longer than the 63 characters S3 allows; shorten the environment name."
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "langfuse" {
  bucket = aws_s3_bucket.langfuse.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "langfuse" {
  bucket                  = aws_s3_bucket.langfuse.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "langfuse" {
  bucket = aws_s3_bucket.langfuse.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "langfuse" {
  bucket = aws_s3_bucket.langfuse.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Versioning keeps every overwritten and deleted object: old versions expire, and uploads that never
# completed are cleaned up, so the bucket does not grow without bound.
resource "aws_s3_bucket_lifecycle_configuration" "langfuse" {
  bucket = aws_s3_bucket.langfuse.id
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
  # Rules on noncurrent versions need versioning first.
  depends_on = [aws_s3_bucket_versioning.langfuse]
}

data "aws_iam_policy_document" "langfuse_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.langfuse.arn, "${aws_s3_bucket.langfuse.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "langfuse" {
  bucket = aws_s3_bucket.langfuse.id
  policy = data.aws_iam_policy_document.langfuse_bucket.json
  # The public access block goes first, so that the bucket is never public, not even briefly.
  depends_on = [aws_s3_bucket_public_access_block.langfuse]
}
