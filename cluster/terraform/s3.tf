# The Langfuse event and media bucket: encrypted, versioned, never public, TLS only.
resource "aws_s3_bucket" "langfuse" {
  bucket = "agentic-platform-langfuse-${var.environment}"
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
