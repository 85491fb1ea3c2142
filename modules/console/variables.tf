################################################################################
# General
################################################################################

variable "name_prefix" {
  description = "Prefix of every resource name the module creates (bucket, distribution policies, app client, function <name_prefix>-console-api)."
  type        = string
  default     = "cima"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3 to 24 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of the managed policy set as the permissions boundary of every role this module creates (the GitHub deploy roles create roles only with their workload boundary). Null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
}

################################################################################
# The page: bucket and distribution
################################################################################

variable "assets_dir" {
  description = "Directory holding the page (index.html and its CSS/JS, no inline script); every file under it is uploaded, with a content type from its extension. A config.json in it is replaced by the generated one. A missing directory uploads nothing but config.json."
  type        = string

  validation {
    condition     = length(trimspace(var.assets_dir)) > 0
    error_message = "assets_dir must not be empty."
  }
}

variable "bucket_name" {
  description = "Name of the page's bucket. Null: <name_prefix>-console-<account id>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "force_destroy" {
  description = "Let Terraform delete the page's bucket with its objects and versions (turn on only to tear an environment down)."
  type        = bool
  default     = false
}

variable "access_log_bucket" {
  description = "Bucket receiving the page bucket's S3 server access logs (under <bucket name>/). Null: no server access logging."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket))
    error_message = "access_log_bucket must be a bucket name."
  }
}

variable "cloudfront_log_bucket" {
  description = "Domain name of the bucket receiving the distribution's standard logs (e.g. my-logs.s3.amazonaws.com; the bucket must allow ACLs). Null: no distribution logging."
  type        = string
  default     = null

  validation {
    condition     = var.cloudfront_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\\.s3(\\.[a-z0-9-]+)?\\.amazonaws\\.com$", var.cloudfront_log_bucket))
    error_message = "cloudfront_log_bucket must be a bucket's domain name such as my-logs.s3.amazonaws.com."
  }
}

variable "web_acl_arn" {
  description = "ARN of a WAFv2 web ACL (scope CLOUDFRONT, in us-east-1) protecting the distribution. Null: no WAF."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/.+$", var.web_acl_arn))
    error_message = "web_acl_arn must be the ARN of a global (CLOUDFRONT scope) WAFv2 web ACL."
  }
}

variable "domain_name" {
  description = "Custom domain of the page (an alias of the distribution; point its DNS at the distribution). Null: the distribution's *.cloudfront.net name. Needs acm_certificate_arn."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase host name such as console.example.com."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate (in us-east-1) for domain_name; the distribution then enforces minimum_protocol_version. Null: CloudFront's default certificate."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there)."
  }
}

variable "minimum_protocol_version" {
  description = "Minimum TLS policy of the distribution with a custom certificate (CloudFront's default certificate always allows TLSv1)."
  type        = string
  default     = "TLSv1.2_2021"

  validation {
    condition     = contains(["TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"], var.minimum_protocol_version)
    error_message = "minimum_protocol_version must be a TLS 1.2 or 1.3 policy: TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021, TLSv1.2_2025 or TLSv1.3_2025."
  }
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100, PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "geo_allowed_countries" {
  description = "ISO 3166-1 alpha-2 country codes the page may be viewed from. Empty: everywhere."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.geo_allowed_countries : can(regex("^[A-Z]{2}$", c))])
    error_message = "geo_allowed_countries must be two-letter upper-case country codes."
  }
}

variable "api_connect_origin" {
  description = "Origin the Content-Security-Policy's connect-src allows for the API (e.g. its custom domain, https://api.example.com). Null: the region's HTTP API hosts (https://*.execute-api.<region>.amazonaws.com); the exact endpoint cannot be named there without making the distribution depend on the API, whose CORS names the distribution."
  type        = string
  default     = null

  validation {
    condition     = var.api_connect_origin == null || can(regex("^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?$", var.api_connect_origin))
    error_message = "api_connect_origin must be an https origin without path or trailing slash, such as https://api.example.com."
  }
}

################################################################################
# Cognito: the page's app client and the managed login domain
################################################################################

variable "user_pool_id" {
  description = "Existing Cognito user pool the page signs in with (chat-api's user_pool_id)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]_[A-Za-z0-9]+$", var.user_pool_id))
    error_message = "user_pool_id must be a user pool id such as us-east-1_AbCdEfGhI."
  }
}

variable "cognito_domain_prefix" {
  description = "Prefix of the managed login (hosted UI) domain https://<prefix>.auth.<region>.amazoncognito.com; unique in the region. A user pool has at most one prefix domain."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.cognito_domain_prefix)) && !strcontains(var.cognito_domain_prefix, "aws") && !strcontains(var.cognito_domain_prefix, "amazon") && !strcontains(var.cognito_domain_prefix, "cognito")
    error_message = "cognito_domain_prefix must be 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen, and must not contain aws, amazon or cognito."
  }
}

variable "managed_login_version" {
  description = "Sign-in pages of the domain: 2 for managed login (the module assigns Cognito's default style to the page's client; needs the ESSENTIALS or PLUS tier), 1 for the classic hosted UI."
  type        = number
  default     = 2

  validation {
    condition     = contains([1, 2], var.managed_login_version)
    error_message = "managed_login_version must be 1 (classic hosted UI) or 2 (managed login)."
  }
}

variable "extra_callback_urls" {
  description = "Further sign-in callback and sign-out URLs of the page's client besides https://<page>/, for local development (e.g. http://localhost:5173/). https, or http on localhost only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.extra_callback_urls : can(regex("^(https://[A-Za-z0-9.-]+|http://localhost|http://127\\.0\\.0\\.1)(:[0-9]{1,5})?(/[^\\s#*]*)?$", u))])
    error_message = "extra_callback_urls must be https URLs, or http URLs on localhost / 127.0.0.1, without wildcards or fragments."
  }
}

variable "access_token_validity_minutes" {
  description = "Lifetime of the page's access and id tokens, in minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440 && floor(var.access_token_validity_minutes) == var.access_token_validity_minutes
    error_message = "access_token_validity_minutes must be a whole number from 5 to 1440."
  }
}

variable "refresh_token_validity_hours" {
  description = "Lifetime of the page's refresh tokens, in hours (a browser keeps them, so short)."
  type        = number
  default     = 12

  validation {
    condition     = var.refresh_token_validity_hours >= 1 && var.refresh_token_validity_hours <= 720 && floor(var.refresh_token_validity_hours) == var.refresh_token_validity_hours
    error_message = "refresh_token_validity_hours must be a whole number from 1 to 720."
  }
}

################################################################################
# The existing HTTP API (chat-api's)
################################################################################

variable "api_id" {
  description = "Id of the existing HTTP API the console routes are added to (chat-api's api_id)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{1,32}$", var.api_id))
    error_message = "api_id must be an API Gateway API id."
  }
}

variable "api_execution_arn" {
  description = "Execution ARN of that API (chat-api's api_execution_arn); the function may be invoked only by the console's routes under it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[a-z0-9]+$", var.api_execution_arn))
    error_message = "api_execution_arn must be an execute-api ARN such as arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5."
  }
}

variable "api_endpoint" {
  description = "Base URL of that API (chat-api's api_endpoint), written to config.json as api_base_url."
  type        = string

  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$", var.api_endpoint))
    error_message = "api_endpoint must be an https URL."
  }
}

variable "authorizer_id" {
  description = "Id of that API's Cognito JWT authorizer (chat-api's authorizer_id); its audience must include this module's client_id."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{1,32}$", var.authorizer_id))
    error_message = "authorizer_id must be an API Gateway authorizer id."
  }
}

################################################################################
# console-api Lambda
################################################################################

variable "lambda_zip_path" {
  description = "Path of the console-api deployment package (`cargo xtask lambdas` builds target/lambda/console-api/bootstrap.zip)."
  type        = string

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must point at a .zip file."
  }
}

variable "architectures" {
  description = "Instruction set of the function: [\"x86_64\"] or [\"arm64\"]."
  type        = list(string)
  default     = ["x86_64"]

  validation {
    condition     = length(var.architectures) == 1 && contains(["x86_64", "arm64"], var.architectures[0])
    error_message = "architectures must be exactly one of [\"x86_64\"] or [\"arm64\"]."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of the function in seconds (an HTTP API integration gives up after 30 s)."
  type        = number
  default     = 29

  validation {
    condition     = var.timeout >= 3 && var.timeout <= 30
    error_message = "timeout must be 3 to 30 seconds (the HTTP API's integration limit)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; it bounds the Athena queries running at once. -1 removes the reservation."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrent_executions == -1 || var.reserved_concurrent_executions >= 1
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or at least 1."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "enable_xray_tracing" {
  description = "Active X-Ray tracing of the function (PassThrough when false)."
  type        = bool
  default     = false
}

variable "cache_ttl_seconds" {
  description = "Seconds the function keeps a query's answer before asking Athena again (CACHE_TTL_SECONDS; 0: no cache)."
  type        = number
  default     = 60

  validation {
    condition     = var.cache_ttl_seconds >= 0 && var.cache_ttl_seconds <= 86400 && floor(var.cache_ttl_seconds) == var.cache_ttl_seconds
    error_message = "cache_ttl_seconds must be a whole number from 0 (no cache) to 86400."
  }
}

variable "first_response_target_minutes" {
  description = "First-response target per Support severity code, in minutes (FIRST_RESPONSE_TARGETS, as a JSON object). The default is AWS's published first-response times of the Business and Enterprise plans."
  type        = map(number)
  default = {
    low      = 1440
    normal   = 720
    high     = 240
    urgent   = 60
    critical = 15
  }

  validation {
    condition     = toset(keys(var.first_response_target_minutes)) == toset(["low", "normal", "high", "urgent", "critical"])
    error_message = "first_response_target_minutes must have exactly the keys low, normal, high, urgent and critical."
  }

  validation {
    condition     = alltrue([for m in values(var.first_response_target_minutes) : m > 0 && m <= 525600 && floor(m) == m])
    error_message = "first_response_target_minutes must be positive whole numbers of minutes, at most 525600 (a year)."
  }
}

variable "max_accounts_per_request" {
  description = "Most account ids one request may filter on (MAX_ACCOUNTS_PER_REQUEST)."
  type        = number
  default     = 200

  validation {
    condition     = var.max_accounts_per_request >= 1 && var.max_accounts_per_request <= 1000 && floor(var.max_accounts_per_request) == var.max_accounts_per_request
    error_message = "max_accounts_per_request must be a whole number from 1 to 1000 (the most console-api accepts)."
  }
}

################################################################################
# The case data (cima-central's)
################################################################################

variable "athena_workgroup_name" {
  description = "Athena workgroup the function queries in (ATHENA_WORKGROUP; cima-central's athena_workgroup_name). Its result location must be athena_results_prefix of the data bucket."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.athena_workgroup_name))
    error_message = "athena_workgroup_name must be 1 to 128 letters, digits, dots, hyphens or underscores."
  }
}

variable "glue_database_name" {
  description = "Glue database of the case tables (GLUE_DATABASE; cima-central's glue_database_name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.glue_database_name))
    error_message = "glue_database_name must be lowercase letters, digits and underscores."
  }
}

variable "cases_table" {
  description = "Table of the enriched case events (CASES_TABLE; cima-central's glue_table_name)."
  type        = string
  default     = "supportcaseevents"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.cases_table))
    error_message = "cases_table must be lowercase letters, digits and underscores."
  }
}

variable "accounts_table" {
  description = "Table of the account inventory (ACCOUNTS_TABLE)."
  type        = string
  default     = "accountsinfo"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.accounts_table))
    error_message = "accounts_table must be lowercase letters, digits and underscores."
  }
}

variable "data_bucket_arn" {
  description = "ARN of the bucket holding the case events, the inventory and the Athena results (cima-central's data_bucket_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_arn))
    error_message = "data_bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::my-bucket."
  }
}

variable "data_prefix" {
  description = "Prefix of the case events in the data bucket (the cases table's location)."
  type        = string
  default     = "DataCollection-data"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.()'-]+(/[A-Za-z0-9!_.()'-]+)*$", var.data_prefix))
    error_message = "data_prefix must be a key prefix without leading or trailing slash or wildcards."
  }
}

variable "inventory_prefix" {
  description = "Prefix of the account inventory in the data bucket (the accounts table's location)."
  type        = string
  default     = "DataCollection-metadata/ReferenceOds/AccountsInfo"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.()'-]+(/[A-Za-z0-9!_.()'-]+)*$", var.inventory_prefix))
    error_message = "inventory_prefix must be a key prefix without leading or trailing slash or wildcards."
  }
}

variable "athena_results_prefix" {
  description = "Prefix of the workgroup's query results in the data bucket."
  type        = string
  default     = "athena-results"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.()'-]+(/[A-Za-z0-9!_.()'-]+)*$", var.athena_results_prefix))
    error_message = "athena_results_prefix must be a key prefix without leading or trailing slash or wildcards."
  }
}

variable "kms_key_arn" {
  description = "KMS key of the case data and Athena results (cima-central's kms_key_arn): the function may Decrypt and GenerateDataKey with it only. It also encrypts the function's environment and log group, so its policy must let CloudWatch Logs use it (cima-central's does)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "group_ous" {
  description = "Cognito groups to the OU paths their members may see (GROUP_OUS), such as { \"support-web\" = [\"/Production/Web\"] }: a caller then sees only the accounts under their groups' OUs (each path with the OUs below it; \"/\" is every account), and a caller in no mapped group sees nothing. Empty (the default): every signed-in user sees every account."
  type        = map(list(string))
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for g in keys(var.group_ous) : length(g) >= 1 && length(g) <= 128 && !can(regex("\\s", g))])
    error_message = "group_ous keys must be Cognito group names: 1 to 128 characters, no spaces."
  }

  validation {
    condition     = alltrue([for paths in values(var.group_ous) : length(paths) > 0])
    error_message = "Every group in group_ous must list at least one OU path; leave a group out to give it nothing."
  }

  validation {
    condition     = alltrue(flatten([for paths in values(var.group_ous) : [for p in paths : can(regex("^/([^/]+(/[^/]+)*/?)?$", p)) && length(p) <= 1024]]))
    error_message = "group_ous paths must be OU paths: \"/\" (the whole organization) or \"/Production/Web\" (an OU and those below it), no empty part, at most 1024 characters."
  }
}
