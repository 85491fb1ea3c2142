locals {
  seed_accounts = {
    dev      = "NonProduction"
    staging  = "NonProduction"
    uat      = "NonProduction"
    prod     = "Production"
    shared   = "SharedServices"
    security = "Security"
  }

  accounts = var.accounts != null ? var.accounts : {
    for key, ou in local.seed_accounts : key => {
      name  = "${var.project}-${key}"
      email = "${var.email_local_part}+${var.project}-${key}@${var.email_domain}"
      ou    = ou
    }
  }
}

module "org" {
  source = "../modules/org-bootstrap"

  accounts        = local.accounts
  allowed_regions = var.allowed_regions
}

# Who gets what: developers never in production (the module rejects it), finance only where billing
# lives, everyone else everywhere.
locals {
  sso_account_assignments = merge(
    {
      for key, a in local.accounts : key => {
        account_id = module.org.account_ids[key]
        production = a.ou == "Production"
        groups = merge(
          {
            Administrators = ["admin"]
            DevOps         = ["devops"]
            Auditors       = ["auditor"]
          },
          a.ou == "NonProduction" ? { Developers = ["developer"] } : {},
        )
      }
    },
    {
      management = {
        account_id = module.org.management_account_id
        production = true
        groups = {
          Administrators = ["admin"]
          Finance        = ["finance"]
          Auditors       = ["auditor"]
        }
      }
    },
  )
}

module "sso" {
  source = "../modules/sso"
  count  = var.enable_sso ? 1 : 0

  create_groups       = var.sso_create_groups
  account_assignments = local.sso_account_assignments
}
