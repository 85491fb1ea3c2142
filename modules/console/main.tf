data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  bucket_name   = coalesce(var.bucket_name, "${var.name_prefix}-console-${local.account_id}-${local.region}")
  function_name = "${var.name_prefix}-console-api"

  # Where the page is served from, with and without the trailing slash (the origin is what CORS
  # and the Cognito redirect compare against).
  host   = var.domain_name == null ? aws_cloudfront_distribution.this.domain_name : var.domain_name
  origin = "https://${local.host}"
  url    = "${local.origin}/"

  # The managed login (hosted UI) base URL of a prefix domain.
  cognito_domain = "https://${var.cognito_domain_prefix}.auth.${local.region}.amazoncognito.com"

  # What the page reads at start (config.json).
  page_config = {
    api_base_url   = trimsuffix(var.api_endpoint, "/")
    cognito_domain = local.cognito_domain
    client_id      = aws_cognito_user_pool_client.this.id
    redirect_uri   = local.url
    logout_uri     = local.url
    region         = local.region
  }
  page_config_json = jsonencode(local.page_config)
}

################################################################################
# The page's bucket: private, reachable only through the distribution
################################################################################

# Server access logging needs a separate log bucket: set access_log_bucket (aws_s3_bucket_logging below).
#trivy:ignore:AVD-AWS-0089
resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:The page is rebuilt from the repository on every deploy; cross-region replication adds nothing.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object notifications; CloudFront reads the bucket on demand.
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket: set access_log_bucket (aws_s3_bucket_logging below).
  #checkov:skip=CKV_AWS_145:The page's files are public to every visitor; SSE-S3 encrypts them at rest and a customer managed key would protect nothing secret.
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

# The page's files are what every visitor downloads: a customer managed key would protect nothing
# secret and would need a key policy for CloudFront, so SSE-S3 encrypts them at rest.
#trivy:ignore:AVD-AWS-0132
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # Each deploy replaces the page; earlier versions are kept a while to roll back by hand.
  rule {
    id     = "noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = "${local.bucket_name}/"
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

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

  # The only reader: this distribution, through its origin access control.
  statement {
    sid       = "CloudFrontOriginAccessControl"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# The page's files and its generated config.json
################################################################################

locals {
  content_types = {
    html        = "text/html; charset=utf-8"
    css         = "text/css; charset=utf-8"
    js          = "text/javascript; charset=utf-8"
    mjs         = "text/javascript; charset=utf-8"
    json        = "application/json"
    map         = "application/json"
    webmanifest = "application/manifest+json"
    txt         = "text/plain; charset=utf-8"
    svg         = "image/svg+xml"
    png         = "image/png"
    jpg         = "image/jpeg"
    jpeg        = "image/jpeg"
    gif         = "image/gif"
    webp        = "image/webp"
    avif        = "image/avif"
    ico         = "image/x-icon"
    woff        = "font/woff"
    woff2       = "font/woff2"
  }

  # Every file under assets_dir but hidden ones and config.json (generated below); an absent
  # directory gives no files.
  asset_files = toset([
    for f in fileset(var.assets_dir, "**") : f
    if f != "config.json" && !anytrue([for part in split("/", f) : startswith(part, ".")])
  ])
}

resource "aws_s3_object" "asset" {
  for_each = local.asset_files

  bucket       = aws_s3_bucket.this.id
  key          = each.value
  source       = "${var.assets_dir}/${each.value}"
  etag         = filemd5("${var.assets_dir}/${each.value}")
  content_type = lookup(local.content_types, lower(reverse(split(".", each.value))[0]), "application/octet-stream")
  # The HTML is revalidated on every load so a deploy shows at once; the rest briefly cached.
  cache_control = endswith(each.value, ".html") ? "no-cache" : "public, max-age=300"
  tags          = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.this]
}

resource "aws_s3_object" "config" {
  bucket        = aws_s3_bucket.this.id
  key           = "config.json"
  content       = local.page_config_json
  etag          = md5(local.page_config_json)
  content_type  = "application/json"
  cache_control = "no-cache"
  tags          = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.this]
}
