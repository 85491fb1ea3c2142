# Deploy permissions, split in managed policies of at most 6,144 characters each:
# - state: the environment's state objects, lock table and state key, nothing else;
# - read: Describe/Get/List over the services the CIMA stack uses, on "*": Terraform refreshes every
#   resource before planning and most of these read actions cannot be scoped by name (BROAD, by need);
# - compute and data: create/update/delete scoped to names starting with resource_prefix wherever
#   the service has name-based ARNs. BROAD where AWS leaves no choice: API Gateway (ids are
#   generated: every HTTP API in the region), Cognito user pools (generated ids: every pool in the
#   account and region), and sts:AssumeRole on the member access role of every account (the cima
#   provider wires each member account), on the role itself (the root's providers re-assume it) and
#   on assumable_role_arns. KMS key ids are generated too: key rights hold only on keys that carry
#   the project tag (var.project_tag), which kms:CreateKey must set;
# - console: what the console adds (enable_console): its CloudFront distribution, origin access
#   control and response headers policy (generated ids: this account's, nothing else in
#   CloudFront), the managed login's branding on the user pools, and access logging on the
#   project's buckets;
# - guard: explicit denies that hold whatever else gets attached: no role or user without the
#   workload boundary, no removing or editing it, no changing the deploy and plan roles or their
#   policies, no attaching AWS's administrator policies, no touching the baseline's keys.

locals {
  # AWS managed policies the deploy roles may never attach, whatever the role.
  admin_policies = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess", "AWSOrganizationsFullAccess"]

  glue_prefix = { for env, r in local.roles : env => replace(r.resource_prefix, "-", "_") }

  deploy_policies = merge([
    for env in keys(local.roles) : {
      "${env}/state"   = { env = env, part = "state", json = data.aws_iam_policy_document.state[env].minified_json }
      "${env}/read"    = { env = env, part = "read", json = data.aws_iam_policy_document.read[env].minified_json }
      "${env}/compute" = { env = env, part = "compute", json = data.aws_iam_policy_document.compute[env].minified_json }
      "${env}/data"    = { env = env, part = "data", json = data.aws_iam_policy_document.data[env].minified_json }
      "${env}/console" = { env = env, part = "console", json = data.aws_iam_policy_document.console[env].minified_json }
      "${env}/guard"   = { env = env, part = "guard", json = data.aws_iam_policy_document.guard[env].minified_json }
    }
  ]...)
}

data "aws_iam_policy_document" "state" {
  for_each = local.roles

  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketVersioning"]
    resources = ["arn:${local.partition}:s3:::${each.value.state_bucket_name}"]
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:${local.partition}:s3:::${each.value.state_bucket_name}/${each.value.state_key_prefix}*"]
  }

  dynamic "statement" {
    for_each = each.value.state_kms_key_arn == null ? [] : [each.value.state_kms_key_arn]

    content {
      sid       = "StateKey"
      actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = each.value.lock_table_name == null ? [] : [each.value.lock_table_name]

    content {
      sid       = "LockTable"
      actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
      resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${statement.value}"]
    }
  }
}

data "aws_iam_policy_document" "read" {
  for_each = local.roles

  #checkov:skip=CKV_AWS_356:Read-only Describe/Get/List actions for Terraform's refresh; most cannot be scoped by resource name (see the header of this file).
  statement {
    sid = "RefreshReadOnly"
    actions = [
      "apigateway:GET",
      "athena:GetWorkGroup", "athena:ListTagsForResource", "athena:ListWorkGroups",
      "cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:GetOriginAccessControl",
      "cloudfront:GetResponseHeadersPolicy", "cloudfront:ListTagsForResource",
      "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource",
      "cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient", "cognito-idp:DescribeUserPoolDomain",
      "cognito-idp:DescribeManagedLoginBranding", "cognito-idp:DescribeManagedLoginBrandingByClient",
      "cognito-idp:GetUserPoolMfaConfig", "cognito-idp:ListTagsForResource", "cognito-idp:ListUserPoolClients", "cognito-idp:ListUserPools",
      "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource",
      "events:DescribeEventBus", "events:DescribeRule", "events:ListEventBuses", "events:ListRules", "events:ListTagsForResource", "events:ListTargetsByRule",
      "firehose:DescribeDeliveryStream", "firehose:ListDeliveryStreams", "firehose:ListTagsForDeliveryStream",
      "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetTags",
      "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:ListPolicyVersions", "iam:ListRolePolicies", "iam:ListRoleTags",
      "lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionConcurrency", "lambda:GetPolicy",
      "lambda:ListTags", "lambda:ListVersionsByFunction",
      "logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
      "organizations:DescribeAccount", "organizations:DescribeOrganization", "organizations:DescribeOrganizationalUnit",
      "organizations:ListAccounts", "organizations:ListAccountsForParent", "organizations:ListChildren",
      "organizations:ListOrganizationalUnitsForParent", "organizations:ListParents", "organizations:ListRoots", "organizations:ListTagsForResource",
      "s3:GetAccelerateConfiguration", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLocation", "s3:GetBucketLogging",
      "s3:GetBucketNotification", "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketVersioning",
      "s3:GetBucketWebsite", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
      "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource",
      "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags",
      "sts:GetCallerIdentity",
      "support:DescribeCases", "support:DescribeCommunications",
    ]
    resources = ["*"]
  }

  # ListAliases has no resource; it shows alias names and key ids, nothing of a key's use.
  statement {
    sid       = "ListKeyAliases"
    actions   = ["kms:ListAliases"]
    resources = ["*"]
  }

  statement {
    sid       = "ProjectKeysReadOnly"
    actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${var.project_tag.key}"
      values   = [var.project_tag.value]
    }
  }
}

data "aws_iam_policy_document" "compute" {
  for_each = local.roles

  statement {
    sid = "LambdaFunctions"
    actions = [
      "lambda:AddPermission", "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:DeleteFunctionConcurrency",
      "lambda:PublishVersion", "lambda:PutFunctionConcurrency", "lambda:RemovePermission", "lambda:TagResource",
      "lambda:UntagResource", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
    ]
    resources = ["arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${each.value.resource_prefix}-*"]
  }

  # A role is created, and its rights or trust changed, only with the workload boundary on it.
  statement {
    sid = "WorkloadRolesWithBoundary"
    actions = [
      "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy",
    ]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${each.value.resource_prefix}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn]
    }
  }

  statement {
    sid       = "WorkloadRoles"
    actions   = ["iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole", "iam:UpdateRoleDescription"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${each.value.resource_prefix}-*"]
  }

  statement {
    sid = "WorkloadPolicies"
    actions = [
      "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:TagPolicy",
      "iam:UntagPolicy",
    ]
    resources = ["arn:${local.partition}:iam::${local.account_id}:policy/${each.value.resource_prefix}-*"]
  }

  statement {
    sid       = "PassWorkloadRoles"
    actions   = ["iam:PassRole"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/${each.value.resource_prefix}-*"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["apigateway.amazonaws.com", "events.amazonaws.com", "firehose.amazonaws.com", "lambda.amazonaws.com"]
    }
  }

  statement {
    sid = "Queues"
    actions = [
      "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue",
    ]
    resources = ["arn:${local.partition}:sqs:${local.region}:${local.account_id}:${each.value.resource_prefix}-*"]
  }

  statement {
    sid = "EventBusesAndRules"
    actions = [
      "events:CreateEventBus", "events:DeleteEventBus", "events:DeleteRule", "events:DisableRule", "events:EnableRule",
      "events:PutEvents", "events:PutPermission", "events:PutRule", "events:PutTargets", "events:RemovePermission",
      "events:RemoveTargets", "events:TagResource", "events:UntagResource",
    ]
    resources = [
      "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${each.value.resource_prefix}-*",
      "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${each.value.resource_prefix}-*",
      "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${each.value.resource_prefix}-*/*",
    ]
  }

  statement {
    sid = "LogGroups"
    actions = [
      "logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DeleteLogGroup", "logs:DeleteLogStream", "logs:DeleteRetentionPolicy",
      "logs:PutRetentionPolicy", "logs:TagLogGroup", "logs:TagResource", "logs:UntagLogGroup", "logs:UntagResource",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${each.value.resource_prefix}-*",
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/apigateway/${each.value.resource_prefix}-*",
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/kinesisfirehose/${each.value.resource_prefix}-*",
    ]
  }

  statement {
    sid       = "AlarmsAndTopics"
    actions   = ["cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${each.value.resource_prefix}-*"]
  }

  statement {
    sid = "Topics"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource",
      "sns:Unsubscribe", "sns:UntagResource",
    ]
    resources = ["arn:${local.partition}:sns:${local.region}:${local.account_id}:${each.value.resource_prefix}-*"]
  }
}

data "aws_iam_policy_document" "data" {
  for_each = local.roles

  #checkov:skip=CKV_AWS_111:API Gateway, Cognito and KMS writes cannot be scoped by name (generated ids); they stay within this account and region (see the header of this file).
  #checkov:skip=CKV_AWS_356:kms:CreateKey and cognito-idp:CreateUserPool only accept "*"; see the header of this file.
  #checkov:skip=CKV_AWS_109:kms:PutKeyPolicy is needed to manage the stack's keys, which have generated ids; limited to this account's keys.
  statement {
    sid = "DataBuckets"
    actions = [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteObject", "s3:GetObject",
      "s3:ListBucket", "s3:PutBucketNotification", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration", "s3:PutObject",
    ]
    resources = [
      "arn:${local.partition}:s3:::${each.value.resource_prefix}-*",
      "arn:${local.partition}:s3:::${each.value.resource_prefix}-*/*",
    ]
  }

  statement {
    sid = "DeliveryStreams"
    actions = [
      "firehose:CreateDeliveryStream", "firehose:DeleteDeliveryStream", "firehose:StartDeliveryStreamEncryption",
      "firehose:StopDeliveryStreamEncryption", "firehose:TagDeliveryStream", "firehose:UntagDeliveryStream",
      "firehose:UpdateDestination",
    ]
    resources = ["arn:${local.partition}:firehose:${local.region}:${local.account_id}:deliverystream/${each.value.resource_prefix}-*"]
  }

  statement {
    sid = "Tables"
    actions = [
      "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:TagResource", "dynamodb:UntagResource",
      "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTable", "dynamodb:UpdateTimeToLive",
    ]
    resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${each.value.resource_prefix}-*"]
  }

  statement {
    sid = "GlueCatalog"
    actions = [
      "glue:CreateDatabase", "glue:CreateTable", "glue:DeleteDatabase", "glue:DeleteTable", "glue:TagResource",
      "glue:UntagResource", "glue:UpdateDatabase", "glue:UpdateTable",
    ]
    resources = concat([
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog",
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${local.glue_prefix[each.key]}*",
      "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${local.glue_prefix[each.key]}*/*",
      ], flatten([for db in each.value.glue_databases : [
        "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${db}",
        "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${db}/*",
    ]]))
  }

  statement {
    sid = "AthenaWorkgroups"
    actions = [
      "athena:CreateWorkGroup", "athena:DeleteWorkGroup", "athena:TagResource", "athena:UntagResource", "athena:UpdateWorkGroup",
    ]
    resources = ["arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/${each.value.resource_prefix}-*"]
  }

  statement {
    sid       = "HttpApis"
    actions   = ["apigateway:DELETE", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT", "apigateway:TagResource"]
    resources = ["arn:${local.partition}:apigateway:${local.region}::/apis", "arn:${local.partition}:apigateway:${local.region}::/apis/*", "arn:${local.partition}:apigateway:${local.region}::/tags/*"]
  }

  statement {
    sid       = "CreateOnlyAcceptsStar"
    actions   = ["cognito-idp:CreateUserPool"]
    resources = ["*"]
  }

  # A key is created only with the project tag (the root's default_tags set it); tagging on create
  # needs kms:TagResource not limited to a key, so it is limited to requests carrying that tag.
  statement {
    sid       = "CreateProjectKeys"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${var.project_tag.key}"
      values   = [var.project_tag.value]
    }
  }

  statement {
    sid = "UserPools"
    actions = [
      "cognito-idp:CreateUserPoolClient", "cognito-idp:CreateUserPoolDomain", "cognito-idp:DeleteUserPool",
      "cognito-idp:DeleteUserPoolClient", "cognito-idp:DeleteUserPoolDomain", "cognito-idp:SetUserPoolMfaConfig",
      "cognito-idp:TagResource", "cognito-idp:UntagResource", "cognito-idp:UpdateUserPool", "cognito-idp:UpdateUserPoolClient",
    ]
    resources = ["arn:${local.partition}:cognito-idp:${local.region}:${local.account_id}:userpool/*"]
  }

  statement {
    sid = "ProjectKeys"
    actions = [
      "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias", "kms:EnableKeyRotation", "kms:Encrypt",
      "kms:GenerateDataKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
      "kms:UpdateAlias", "kms:UpdateKeyDescription",
    ]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${var.project_tag.key}"
      values   = [var.project_tag.value]
    }
  }

  # Alias operations are also checked on the key (ProjectKeys).
  statement {
    sid       = "ProjectKeyAliases"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:alias/${each.value.resource_prefix}-*"]
  }

  statement {
    sid     = "MemberAccountWiringAndChaining"
    actions = ["sts:AssumeRole"]
    resources = concat([
      "arn:${local.partition}:iam::*:role/${each.value.member_access_role_name}",
      "arn:${local.partition}:iam::${local.account_id}:role/${each.value.role_name}",
    ], each.value.assumable_role_arns)
  }
}

data "aws_iam_policy_document" "console" {
  for_each = local.roles

  statement {
    sid = "ConsoleDistribution"
    actions = [
      "cloudfront:CreateDistribution", "cloudfront:CreateOriginAccessControl", "cloudfront:CreateResponseHeadersPolicy",
      "cloudfront:DeleteDistribution", "cloudfront:DeleteOriginAccessControl", "cloudfront:DeleteResponseHeadersPolicy",
      "cloudfront:TagResource", "cloudfront:UntagResource", "cloudfront:UpdateDistribution",
      "cloudfront:UpdateOriginAccessControl", "cloudfront:UpdateResponseHeadersPolicy",
    ]
    resources = [
      "arn:${local.partition}:cloudfront::${local.account_id}:distribution/*",
      "arn:${local.partition}:cloudfront::${local.account_id}:origin-access-control/*",
      "arn:${local.partition}:cloudfront::${local.account_id}:response-headers-policy/*",
    ]
  }

  statement {
    sid = "ManagedLoginBranding"
    actions = [
      "cognito-idp:CreateManagedLoginBranding", "cognito-idp:DeleteManagedLoginBranding", "cognito-idp:UpdateManagedLoginBranding",
    ]
    resources = ["arn:${local.partition}:cognito-idp:${local.region}:${local.account_id}:userpool/*"]
  }

  statement {
    sid       = "BucketAccessLogs"
    actions   = ["s3:PutBucketLogging"]
    resources = ["arn:${local.partition}:s3:::${each.value.resource_prefix}-*"]
  }
}

data "aws_iam_policy_document" "guard" {
  for_each = local.roles

  # StringNotEquals also matches a request that names no boundary at all.
  statement {
    sid       = "NoRoleOrUserWithoutBoundary"
    effect    = "Deny"
    actions   = ["iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"]
    resources = ["*"]

    condition {
      test     = "StringNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_arn]
    }
  }

  statement {
    sid       = "NoBoundaryRemoval"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
    resources = ["*"]
  }

  statement {
    sid    = "NoBoundaryEdit"
    effect = "Deny"
    actions = [
      "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy", "iam:UntagPolicy",
    ]
    resources = [local.boundary_arn]
  }

  # The deploy and plan roles, and their policies, change only through the bootstrap (an administrator).
  statement {
    sid    = "NoChangeToDeployOrPlanRoles"
    effect = "Deny"
    actions = [
      "iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
    ]
    resources = local.own_role_arns
  }

  statement {
    sid    = "NoChangeToDeployOrPlanPolicies"
    effect = "Deny"
    actions = [
      "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy", "iam:UntagPolicy",
    ]
    resources = local.own_policy_arns
  }

  statement {
    sid       = "NoAdministratorPolicies"
    effect    = "Deny"
    actions   = ["iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy"]
    resources = ["*"]

    condition {
      test     = "ArnLike"
      variable = "iam:PolicyARN"
      values   = [for p in local.admin_policies : "arn:${local.partition}:iam::aws:policy/${p}"]
    }
  }

  # The state key is used (StateKey), never managed; nor are the baseline's other keys, which carry
  # the project tag too (one default_tags), or the baseline's aliases, which resource_prefix may match.
  statement {
    sid    = "NoBaselineKeyManagement"
    effect = "Deny"
    actions = [
      "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:DeleteAlias", "kms:DisableKey",
      "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
      "kms:UpdateAlias", "kms:UpdateKeyDescription",
    ]
    resources = concat(
      compact([each.value.state_kms_key_arn]),
      each.value.protected_kms_key_arns,
      ["arn:${local.partition}:kms:${local.region}:${local.account_id}:alias/*tfstate*"],
      [for a in each.value.protected_kms_aliases : "arn:${local.partition}:kms:${local.region}:${local.account_id}:alias/${a}"],
    )
  }
}

data "aws_iam_policy_document" "plan_state" {
  for_each = local.plan_roles

  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${each.value.state_bucket_name}"]
  }

  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${each.value.state_bucket_name}/${each.value.state_key_prefix}*"]
  }

  # The lock, and nothing else written: the S3 lock file beside the state (use_lockfile) or the
  # DynamoDB lock table.
  dynamic "statement" {
    for_each = each.value.lock_table_name == null ? [1] : []

    content {
      sid       = "LockFile"
      actions   = ["s3:DeleteObject", "s3:PutObject"]
      resources = ["arn:${local.partition}:s3:::${each.value.state_bucket_name}/${each.value.state_key_prefix}*.tflock"]
    }
  }

  dynamic "statement" {
    for_each = each.value.lock_table_name == null ? [] : [each.value.lock_table_name]

    content {
      sid       = "LockTable"
      actions   = ["dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem"]
      resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${statement.value}"]
    }
  }

  # Decrypt reads the state; a lock file is put encrypted with the state key (the bucket policy
  # can require it), which needs GenerateDataKey.
  dynamic "statement" {
    for_each = each.value.state_kms_key_arn == null ? [] : [each.value.state_kms_key_arn]

    content {
      sid       = "StateKey"
      actions   = each.value.lock_table_name == null ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.plan_object_read_arns) == 0 ? [] : [each.value.plan_object_read_arns]

    content {
      sid       = "ManagedObjectsRead"
      actions   = ["s3:GetObject", "s3:GetObjectTagging"]
      resources = statement.value
    }
  }

  statement {
    sid       = "SelfAssumeForProviderChaining"
    actions   = ["sts:AssumeRole"]
    resources = ["${local.role_arn_prefix}${each.value.plan_role_name}"]
  }
}

# What a role the deploy creates can ever do: the workloads' own services, the project's keys, no
# IAM. Its own policy narrows that further.
data "aws_iam_policy_document" "workload_boundary" {
  #checkov:skip=CKV_AWS_111:A boundary caps, it grants nothing: each workload role's own policy names the resources it writes.
  #checkov:skip=CKV_AWS_356:A boundary caps, it grants nothing: each workload role's own policy names its resources.
  #checkov:skip=CKV_AWS_108:A boundary caps, it grants nothing: each workload role's own policy names the buckets and tables it reads.
  #checkov:skip=CKV_AWS_107:sts:AssumeRole is how the enricher and chat-query reach the member accounts' roles; each role's own policy names them.
  statement {
    sid = "WorkloadServices"
    actions = [
      "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup", "athena:StartQueryExecution", "athena:StopQueryExecution",
      "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream",
      "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
      "dynamodb:Query", "dynamodb:UpdateItem",
      "events:PutEvents",
      "firehose:PutRecord", "firehose:PutRecordBatch",
      "glue:GetDatabase", "glue:GetDatabases", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables",
      "glue:GetTableVersion", "glue:GetTableVersions",
      "lambda:InvokeFunction",
      "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
      "organizations:DescribeAccount", "organizations:DescribeOrganization", "organizations:ListAccounts",
      "organizations:ListParents", "organizations:ListTagsForResource",
      "s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:ListBucketMultipartUploads",
      "s3:ListMultipartUploadParts", "s3:PutObject",
      "sns:Publish",
      "sqs:SendMessage",
      "sts:AssumeRole",
      "support:DescribeCases", "support:DescribeCommunications",
      "xray:PutTelemetryRecords", "xray:PutTraceSegments",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ProjectKeys"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = ["arn:${local.partition}:kms:*:${local.account_id}:key/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${var.project_tag.key}"
      values   = [var.project_tag.value]
    }
  }

  statement {
    sid       = "NoIamOrAccountChanges"
    effect    = "Deny"
    actions   = ["account:*", "iam:*", "organizations:Attach*", "organizations:Create*", "organizations:Delete*", "organizations:Update*"]
    resources = ["*"]
  }
}
