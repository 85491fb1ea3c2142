# The rendered policy documents, read as IAM reads them. No mock provider: the aws stand-in renders
# aws_iam_policy_document as the real provider does (one value as a string, several as a list,
# hence flatten([...]) below), so these are the documents AWS would get.

variables {
  github_owner         = "cimahq"
  github_repository    = "terraform-provider-cima"
  create_oidc_provider = false
  oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  environments = {
    dev = {
      resource_prefix        = "cima"
      state_bucket_name      = "cima-dev-tfstate-123456789012"
      state_key_prefix       = "cima/"
      state_kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
      plan_object_read_arns  = ["arn:aws:s3:::cima-*console-*/*"]
      protected_kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222"]
      protected_kms_aliases  = ["cima-dev"]
    }
    prod = {
      resource_prefix   = "cima"
      state_bucket_name = "cima-prod-tfstate-123456789012"
      state_key_prefix  = "cima/"
      state_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/33333333-3333-3333-3333-333333333333"
      lock_table_name   = "cima-prod-tfstate-lock"
    }
  }
}

run "policy_documents" {
  command = plan

  # Pull requests get the plan role and nothing else: its web-identity statements admit exactly the
  # repository's pull_request subject, the other statement only the role re-assuming itself.
  assert {
    condition = alltrue(flatten([for env in ["dev", "prod"] : [
      for s in jsondecode(aws_iam_role.plan[env].assume_role_policy).Statement :
      s.Action == "sts:AssumeRoleWithWebIdentity"
      ? try(toset(flatten([s.Condition.StringEquals["token.actions.githubusercontent.com:sub"]])) == toset(["repo:cimahq/terraform-provider-cima:pull_request"]) && length(keys(s.Condition)) == 1 && contains(keys(s.Condition), "StringEquals"), false)
      : try(s.Action == "sts:AssumeRole" && s.Condition.ArnEquals["aws:PrincipalArn"] == "arn:aws:iam::123456789012:role/github-plan-${env}", false)
    ]]))
    error_message = "A plan role trusts only repo:<owner>/<repo>:pull_request (and its own re-assumption)."
  }

  # Apply roles: exactly their GitHub environment's subject; never pull_request, never a wildcard.
  assert {
    condition = alltrue(flatten([for env in ["dev", "prod"] : [
      for s in jsondecode(aws_iam_role.this[env].assume_role_policy).Statement :
      s.Action == "sts:AssumeRoleWithWebIdentity"
      ? try(toset(flatten([s.Condition.StringEquals["token.actions.githubusercontent.com:sub"]])) == toset(["repo:cimahq/terraform-provider-cima:environment:${env}"]) && length(keys(s.Condition)) == 1 && contains(keys(s.Condition), "StringEquals"), false)
      : try(s.Action == "sts:AssumeRole" && s.Condition.ArnEquals["aws:PrincipalArn"] == "arn:aws:iam::123456789012:role/github-deploy-${env}", false)
    ]]))
    error_message = "An apply role trusts only repo:<owner>/<repo>:environment:<env> (and its own re-assumption)."
  }

  assert {
    condition     = alltrue([for env in ["dev", "prod"] : !strcontains(aws_iam_role.this[env].assume_role_policy, "pull_request") && !strcontains(aws_iam_role.this[env].assume_role_policy, "*")])
    error_message = "No apply role's trust names pull_request or a wildcard."
  }

  # The plan role writes nothing but the lock: every allowed action reads (Describe/Get/List,
  # apigateway:GET), except the lock file's put/delete, the lock table's items, the state key and
  # the role's own re-assumption, each only on its one resource.
  assert {
    condition = alltrue(flatten([for env, state_key in {
      dev  = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
      prod = "arn:aws:kms:us-east-1:123456789012:key/33333333-3333-3333-3333-333333333333"
      } : [
      for s in concat(jsondecode(aws_iam_policy.plan[env].policy).Statement, jsondecode(aws_iam_policy.deploy["${env}/read"].policy).Statement) : [
        for a in flatten([s.Action]) : s.Effect == "Allow" && (
          can(regex("^[a-z0-9-]+:(Describe|Get|List|BatchGet)", a)) || a == "apigateway:GET"
          || (contains(["s3:PutObject", "s3:DeleteObject"], a) && alltrue([for r in flatten([s.Resource]) : r == "arn:aws:s3:::cima-${env}-tfstate-123456789012/cima/*.tflock"]))
          || (contains(["dynamodb:PutItem", "dynamodb:DeleteItem"], a) && toset(flatten([s.Resource])) == toset(["arn:aws:dynamodb:us-east-1:123456789012:table/cima-prod-tfstate-lock"]))
          || (contains(["kms:Decrypt", "kms:GenerateDataKey"], a) && toset(flatten([s.Resource])) == toset([state_key]))
          || (a == "sts:AssumeRole" && toset(flatten([s.Resource])) == toset(["arn:aws:iam::123456789012:role/github-plan-${env}"]))
        )
      ]
    ]]))
    error_message = "A plan role may only read, plus write the state lock (lock file or lock table item) with the state key."
  }

  assert {
    condition     = strcontains(aws_iam_policy.plan["dev"].policy, "\"LockFile\"") && !strcontains(aws_iam_policy.plan["dev"].policy, "dynamodb:") && strcontains(aws_iam_policy.plan["prod"].policy, "\"LockTable\"") && !strcontains(aws_iam_policy.plan["prod"].policy, "s3:PutObject")
    error_message = "The plan role locks the way the backend does: the S3 lock file without a lock table, the table with one."
  }

  # Roles are created (or re-bounded) by a deploy role only with the workload boundary: the allow
  # says so, and a deny holds it whatever else gets attached.
  assert {
    condition = alltrue(flatten([for env in ["dev", "prod"] : [
      for s in jsondecode(aws_iam_policy.deploy["${env}/compute"].policy).Statement :
      try(s.Condition.StringEquals["iam:PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/cima-workload-boundary", false)
      if length(setintersection(toset(flatten([s.Action])), toset(["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"]))) > 0
    ]]))
    error_message = "Every statement allowing iam:CreateRole (or changing a role's rights) requires the workload boundary."
  }

  assert {
    condition = alltrue([for env in ["dev", "prod"] : anytrue([
      for s in jsondecode(aws_iam_policy.deploy["${env}/guard"].policy).Statement :
      s.Effect == "Deny" && toset(flatten([s.Resource])) == toset(["*"]) &&
      length(setsubtract(toset(["iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"]), toset(flatten([s.Action])))) == 0 &&
      try(s.Condition.StringNotEquals["iam:PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/cima-workload-boundary", false)
    ])])
    error_message = "A deny stops creating a role or user, or setting a boundary, other than the workload boundary."
  }

  # The boundary can be neither removed from a role nor edited.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : anytrue([
      for s in jsondecode(aws_iam_policy.deploy["${env}/guard"].policy).Statement :
      s.Effect == "Deny" && toset(flatten([s.Resource])) == toset(["*"]) && !can(s.Condition) &&
      length(setsubtract(toset(["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]), toset(flatten([s.Action])))) == 0
    ])])
    error_message = "A deny without condition stops removing any permissions boundary."
  }

  assert {
    condition = alltrue([for env in ["dev", "prod"] : anytrue([
      for s in jsondecode(aws_iam_policy.deploy["${env}/guard"].policy).Statement :
      s.Effect == "Deny" && contains(flatten([s.Resource]), "arn:aws:iam::123456789012:policy/cima-workload-boundary") && !can(s.Condition) &&
      length(setsubtract(toset(["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]), toset(flatten([s.Action])))) == 0
    ])])
    error_message = "A deny stops editing or deleting the workload boundary policy."
  }

  # The deploy and plan roles cannot be changed by a deploy role: every one of them, every change of
  # rights or trust.
  assert {
    condition = alltrue([for env in ["dev", "prod"] : anytrue([
      for s in jsondecode(aws_iam_policy.deploy["${env}/guard"].policy).Statement :
      s.Effect == "Deny" && !can(s.Condition) &&
      length(setsubtract(toset(flatten([for e in ["dev", "prod"] : ["arn:aws:iam::123456789012:role/github-deploy-${e}", "arn:aws:iam::123456789012:role/github-plan-${e}"]])), toset(flatten([s.Resource])))) == 0 &&
      length(setsubtract(toset(["iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole"]), toset(flatten([s.Action])))) == 0
    ])])
    error_message = "A deny stops a deploy role from changing the deploy and plan roles."
  }

  assert {
    condition = alltrue([for env in ["dev", "prod"] : anytrue([
      for s in jsondecode(aws_iam_policy.deploy["${env}/guard"].policy).Statement :
      s.Effect == "Deny" && contains(flatten([s.Action]), "iam:AttachRolePolicy") &&
      try(length(setsubtract(toset(["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"]), toset(flatten([s.Condition.ArnLike["iam:PolicyARN"]])))) == 0, false)
    ])])
    error_message = "A deny stops attaching AdministratorAccess or IAMFullAccess."
  }

  # KMS rights only on the project's keys: no statement grants a KMS action (other than listing
  # aliases) on "*" or on every key without a condition; keys are created only with the project tag.
  assert {
    condition = alltrue(flatten([for env in ["dev", "prod"] : [
      for s in flatten([for p in concat([for k, v in aws_iam_policy.deploy : v.policy if startswith(k, "${env}/")], [aws_iam_policy.plan[env].policy]) : jsondecode(p).Statement]) :
      can(s.Condition) || alltrue([for r in flatten([s.Resource]) : r != "*" && !endswith(r, ":key/*")])
      if s.Effect == "Allow" && length([for a in flatten([s.Action]) : a if startswith(a, "kms:") && a != "kms:ListAliases"]) > 0
    ]]))
    error_message = "No KMS statement allows \"*\" or every key unconditionally."
  }

  assert {
    condition = alltrue([for env in ["dev", "prod"] : alltrue([
      for s in jsondecode(aws_iam_policy.deploy["${env}/data"].policy).Statement :
      try(s.Condition.StringEquals["aws:RequestTag/Project"] == "cima", false)
      if contains(flatten([s.Action]), "kms:CreateKey")
    ])])
    error_message = "kms:CreateKey is allowed only with the project tag."
  }

  assert {
    condition = alltrue([for env in ["dev", "prod"] : anytrue([
      for s in jsondecode(aws_iam_policy.deploy["${env}/guard"].policy).Statement :
      s.Effect == "Deny" && contains(flatten([s.Action]), "kms:ScheduleKeyDeletion") && contains(flatten([s.Action]), "kms:PutKeyPolicy") &&
      contains(flatten([s.Resource]), { dev = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111", prod = "arn:aws:kms:us-east-1:123456789012:key/33333333-3333-3333-3333-333333333333" }[env])
    ])]) && strcontains(aws_iam_policy.deploy["dev/guard"].policy, "key/22222222-2222-2222-2222-222222222222") && strcontains(aws_iam_policy.deploy["dev/guard"].policy, "alias/cima-dev\"")
    error_message = "The state key and the baseline's keys and aliases cannot be managed by a deploy role."
  }

  # No path to administrator through a wildcard: nothing allows "*", iam:* or service:* on "*", in
  # any deploy, plan or boundary policy.
  assert {
    condition = alltrue(flatten([
      for p in concat([for v in aws_iam_policy.deploy : v.policy], [for v in aws_iam_policy.plan : v.policy], [aws_iam_policy.workload_boundary.policy]) : [
        for s in jsondecode(p).Statement : [
          for a in flatten([try(s.Action, [])]) : a != "*" && !startswith(a, "iam:*") && !(endswith(a, ":*") && contains(flatten([s.Resource]), "*"))
        ] if s.Effect == "Allow"
      ]
    ]))
    error_message = "No statement allows *, iam:* or a whole service on *."
  }

  assert {
    condition = alltrue(flatten([for env in ["dev", "prod"] : [
      for s in jsondecode(aws_iam_policy.deploy["${env}/compute"].policy).Statement :
      alltrue([for r in flatten([s.Resource]) : startswith(r, "arn:aws:iam::123456789012:role/cima-")]) && can(s.Condition.StringEquals["iam:PassedToService"])
      if contains(flatten([s.Action]), "iam:PassRole")
    ]]))
    error_message = "iam:PassRole only on the project's roles, only to named services."
  }

  # The console deploys (enable_console): CloudFront writes only on this account's distributions,
  # origin access controls and response headers policies, and the plan role can refresh them.
  assert {
    condition = alltrue(flatten([for env in ["dev", "prod"] : [
      for s in jsondecode(aws_iam_policy.deploy["${env}/console"].policy).Statement :
      alltrue([for r in flatten([s.Resource]) : can(regex("^arn:aws:cloudfront::123456789012:(distribution|origin-access-control|response-headers-policy)/\\*$", r))])
      if anytrue([for a in flatten([s.Action]) : startswith(a, "cloudfront:")])
    ]])) && alltrue([for env in ["dev", "prod"] : length(setsubtract(toset(["cloudfront:CreateDistribution", "cloudfront:UpdateDistribution", "cloudfront:CreateOriginAccessControl", "cloudfront:CreateResponseHeadersPolicy", "cognito-idp:CreateManagedLoginBranding", "s3:PutBucketLogging"]), toset(flatten([for s in jsondecode(aws_iam_policy.deploy["${env}/console"].policy).Statement : flatten([s.Action])])))) == 0])
    error_message = "The deploy role can deploy the console, and its CloudFront rights are this account's console pieces only."
  }

  assert {
    condition     = alltrue([for env in ["dev", "prod"] : strcontains(aws_iam_policy.deploy["${env}/read"].policy, "cloudfront:GetDistribution") && strcontains(aws_iam_policy.deploy["${env}/read"].policy, "cognito-idp:DescribeManagedLoginBranding")])
    error_message = "Refresh (the plan role too) reads the console's distribution and branding."
  }

  # IAM refuses a managed policy over 6,144 characters (whitespace aside; these are minified).
  assert {
    condition     = alltrue([for p in concat(values(aws_iam_policy.deploy), values(aws_iam_policy.plan), [aws_iam_policy.workload_boundary]) : length(p.policy) <= 6144])
    error_message = "Every managed policy fits IAM's 6,144-character limit."
  }

  # What the deploy creates is capped: the boundary denies every IAM action.
  assert {
    condition = anytrue([
      for s in jsondecode(aws_iam_policy.workload_boundary.policy).Statement :
      s.Effect == "Deny" && contains(flatten([s.Action]), "iam:*") && toset(flatten([s.Resource])) == toset(["*"]) && !can(s.Condition)
    ])
    error_message = "The workload boundary denies IAM."
  }
}
