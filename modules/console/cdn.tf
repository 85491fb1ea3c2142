################################################################################
# CloudFront: HTTPS only, the bucket through origin access control, security headers
################################################################################

locals {
  origin_id = "page"

  # connect-src: the page itself (config.json), the API and the Cognito domain (token exchange).
  # The API is named by a wildcard over the region's HTTP APIs unless api_connect_origin is given:
  # naming its endpoint here would make the distribution depend on the API, whose CORS names the
  # distribution's origin.
  api_connect_origin = coalesce(var.api_connect_origin, "https://*.execute-api.${local.region}.amazonaws.com")

  # No inline script or style, nothing framed, no plugins; the page loads only its own files.
  content_security_policy = join("; ", [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "manifest-src 'self'",
    "connect-src 'self' ${local.api_connect_origin} ${local.cognito_domain}",
    "form-action 'self' ${local.cognito_domain}",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "upgrade-insecure-requests",
  ])
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name_prefix}-console"
  description                       = "CIMA console: CloudFront signs its requests to ${local.bucket_name}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "this" {
  name    = "${var.name_prefix}-console"
  comment = "CIMA console: CSP without inline script, HSTS, no framing"

  security_headers_config {
    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }

    # Two years, subdomains included. preload only lets the domain's owner submit it to the
    # browsers' preload lists; nothing changes until someone does.
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "same-origin"
      override        = true
    }
  }

  custom_headers_config {
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
      override = true
    }

    items {
      header   = "Cross-Origin-Opener-Policy"
      value    = "same-origin"
      override = true
    }
  }
}

# Standard logging is optional: set cloudfront_log_bucket (a bucket with ACLs enabled).
#trivy:ignore:AVD-AWS-0010
resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_174:With CloudFront's default *.cloudfront.net certificate the TLS policy is fixed by CloudFront; set domain_name and acm_certificate_arn and minimum_protocol_version (TLSv1.2_2021 by default) applies.
  #checkov:skip=CKV2_AWS_42:A custom certificate needs a domain the caller owns: set domain_name and acm_certificate_arn.
  #checkov:skip=CKV_AWS_68:WAF is optional: set web_acl_arn to a CLOUDFRONT-scope web ACL. The page is static files; the API it calls sits behind its own JWT authorizer and throttling.
  #checkov:skip=CKV2_AWS_47:WAF is optional (web_acl_arn); the caller's web ACL carries the managed rule groups it chooses.
  #checkov:skip=CKV_AWS_86:Standard logging is optional: set cloudfront_log_bucket (a bucket with ACLs enabled).
  #checkov:skip=CKV_AWS_310:One origin: the page's bucket in one region; a failover origin would need a replicated bucket for a static page rebuilt on every deploy.
  #checkov:skip=CKV_AWS_374:Viewers are the organization's staff wherever they are; geo_allowed_countries restricts when wanted.
  enabled             = true
  comment             = "CIMA console (${var.name_prefix})"
  default_root_object = "index.html"
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  aliases             = var.domain_name == null ? [] : [var.domain_name]
  web_acl_id          = var.web_acl_arn

  origin {
    origin_id                = local.origin_id
    domain_name              = aws_s3_bucket.this.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  default_cache_behavior {
    target_origin_id           = local.origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
  }

  restrictions {
    geo_restriction {
      restriction_type = length(var.geo_allowed_countries) == 0 ? "none" : "whitelist"
      locations        = var.geo_allowed_countries
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.acm_certificate_arn == null ? null : var.minimum_protocol_version
  }

  dynamic "logging_config" {
    for_each = var.cloudfront_log_bucket == null ? [] : [var.cloudfront_log_bucket]

    content {
      bucket          = logging_config.value
      prefix          = "${var.name_prefix}-console/"
      include_cookies = false
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.domain_name == null) == (var.acm_certificate_arn == null)
      error_message = "domain_name and acm_certificate_arn go together: set both or neither."
    }
  }
}
