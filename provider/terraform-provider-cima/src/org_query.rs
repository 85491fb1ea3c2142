//! The organization query that `data "cima_org_query"` and `resource "cima_org_query"` share:
//! its filter attributes and their checks, the result attributes, and running it.

use std::collections::{BTreeMap, BTreeSet};

use cima_core::ids;
use cima_core::org::{self, OrgQuery};
use serde::{Deserialize, Serialize};
use tfplugin::schema::{Attribute, ObjectNesting};
use tfplugin::{AttributePath, Ctx, Diagnostic, Diagnostics, Type};

use crate::config::Configured;

pub const KNOWN_STATUSES: [&str; 3] = ["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"];

/// The filter attributes' values. The resource also keeps them, as JSON, in the object's
/// metadata, so an import can read its query back.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Filters {
    pub parent_ids: Option<BTreeSet<String>>,
    pub recursive: Option<bool>,
    pub statuses: Option<BTreeSet<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub include_account_ids: Option<BTreeSet<String>>,
    pub exclude_account_ids: Option<BTreeSet<String>>,
    pub include_management_account: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AccountModel {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub joined_method: String,
    pub joined_timestamp: String,
    pub parent_id: String,
    pub ou_path: String,
    pub tags: BTreeMap<String, String>,
}

impl From<org::Account> for AccountModel {
    fn from(a: org::Account) -> Self {
        Self {
            id: a.id,
            arn: a.arn,
            name: a.name,
            email: a.email,
            status: a.status,
            joined_method: a.joined_method,
            joined_timestamp: a.joined_timestamp,
            parent_id: a.parent_id,
            ou_path: a.ou_path,
            tags: a.tags,
        }
    }
}

/// The filter attributes shared by everything that queries the organization.
pub fn filter_attributes() -> Vec<Attribute> {
    let strings = |t: fn(Box<Type>) -> Type| t(Box::new(Type::String));
    vec![
        // A set since schema version 1 of the resource: the order never mattered, and a list
        // showed a reordering as a change.
        Attribute::new("parent_ids", strings(Type::Set)).optional().description(
            "Roots (`r-…`) or OUs (`ou-…-…`) to start from, in any order. Default: the organization's root.",
        ),
        Attribute::new("recursive", Type::Bool)
            .optional()
            .computed()
            .description("Include accounts in OUs below the parents, at any depth. Default `true`."),
        Attribute::new("statuses", strings(Type::Set))
            .optional()
            .computed()
            .description("Account statuses to keep: `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`. Default `[\"ACTIVE\"]`."),
        Attribute::new("tags", Type::Map(Box::new(Type::String)))
            .optional()
            .description("Keep only accounts that carry every one of these tag key/value pairs."),
        Attribute::new("include_account_ids", strings(Type::Set))
            .optional()
            .description("Keep only these accounts (12-digit ids)."),
        Attribute::new("exclude_account_ids", strings(Type::Set))
            .optional()
            .description("Drop these accounts (12-digit ids)."),
        Attribute::new("include_management_account", Type::Bool)
            .optional()
            .computed()
            .description("Keep the management account when it matches. Default `true`."),
    ]
}

pub fn account_attributes() -> Vec<Attribute> {
    let s = |name: &str, d: &str| Attribute::new(name, Type::String).computed().description(d);
    vec![
        s("id", "Account id."),
        s("arn", "Account ARN."),
        s("name", "Account name."),
        s("email", "Email address of the account's root user."),
        s("status", "`ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`."),
        s("joined_method", "`CREATED` or `INVITED`."),
        s("joined_timestamp", "When the account joined the organization (RFC 3339, UTC)."),
        s("parent_id", "Id of the root or OU the account sits in."),
        s("ou_path", "Names of the OUs from the root down, such as `/Production/Web`; `/` for the root."),
        Attribute::new("tags", Type::Map(Box::new(Type::String))).computed().description("The account's tags."),
    ]
}

/// The query's results, shared by the data source and the resource.
pub fn result_attributes() -> Vec<Attribute> {
    vec![
        Attribute::new("organization_id", Type::String).computed().description("Organization id (`o-…`)."),
        Attribute::new("management_account_id", Type::String).computed().description("The management account's id."),
        Attribute::new("root_id", Type::String).computed().description("The organization root's id (`r-…`)."),
        Attribute::new("account_ids", Type::List(Box::new(Type::String)))
            .computed()
            .description("Ids of the selected accounts, sorted."),
        Attribute::nested("accounts", ObjectNesting::List, account_attributes())
            .computed()
            .description("The selected accounts, sorted by id."),
    ]
}

/// Runs the organization query with the provider's clients, stoppable by Terraform.
pub async fn run_query(ctx: &Ctx, c: &Configured, q: &OrgQuery) -> Result<org::OrgInventory, Diagnostics> {
    let api = c.aws.organizations();
    ctx.run("querying the organization", async {
        org::query(api.as_ref(), q, c.max_concurrency)
            .await
            .map_err(|e| Diagnostics::from(Diagnostic::error("Cannot query the organization", e.to_string())))
    })
    .await
}

/// Checks ids and statuses; unknown values were dropped before this runs.
pub fn validate_filters(c: &Filters) -> Diagnostics {
    let mut d = Diagnostics::new();
    let root = AttributePath::root();
    for p in c.parent_ids.iter().flatten() {
        if let Some(problem) = ids::parent_id_problem(p) {
            d.push(Diagnostic::error("Invalid parent id", problem).at(root.clone().attribute("parent_ids")));
        }
    }
    for s in c.statuses.iter().flatten() {
        if !KNOWN_STATUSES.contains(&s.as_str()) {
            d.push(
                Diagnostic::error(
                    "Invalid account status",
                    format!("{s:?} is not one of {}.", KNOWN_STATUSES.join(", ")),
                )
                .at(root.clone().attribute("statuses")),
            );
        }
    }
    for (attr, set) in
        [("include_account_ids", &c.include_account_ids), ("exclude_account_ids", &c.exclude_account_ids)]
    {
        for id in set.iter().flatten() {
            if let Some(p) = ids::account_id_problem(id) {
                d.push(Diagnostic::error("Invalid account id", p).at(root.clone().attribute(attr)));
            }
        }
    }
    for (k, v) in c.tags.iter().flatten() {
        let value_chars = v.chars().count();
        let problem = org::export::tag_key_shape_problem(k).or_else(|| {
            (value_chars > org::export::MAX_TAG_VALUE_CHARS).then(|| {
                format!(
                    "The value of {k:?} is {value_chars} characters long; a tag value is at most {}.",
                    org::export::MAX_TAG_VALUE_CHARS
                )
            })
        });
        if let Some(problem) = problem {
            d.push(Diagnostic::error("Invalid tag filter", problem).at(root.clone().attribute("tags").key(k)));
        }
    }
    d
}

impl Filters {
    pub fn to_query(&self) -> OrgQuery {
        let defaults = OrgQuery::default();
        OrgQuery {
            parent_ids: self.parent_ids.iter().flatten().cloned().collect(),
            recursive: self.recursive.unwrap_or(defaults.recursive),
            statuses: self.statuses.clone().unwrap_or(defaults.statuses),
            tags: self.tags.clone().unwrap_or_default(),
            include_account_ids: self.include_account_ids.clone().unwrap_or_default(),
            exclude_account_ids: self.exclude_account_ids.clone().unwrap_or_default(),
            include_management_account: self.include_management_account.unwrap_or(defaults.include_management_account),
            read_tags: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ids_are_reported_at_their_attribute() {
        let c = Filters {
            parent_ids: Some(BTreeSet::from(["r-ab12".into(), "o-abcdefghij".into()])),
            exclude_account_ids: Some(BTreeSet::from(["12".into()])),
            statuses: Some(BTreeSet::from(["GONE".into()])),
            ..Default::default()
        };
        let d = validate_filters(&c);
        let paths: Vec<String> = d.iter().map(|d| d.attribute.as_ref().unwrap().to_string()).collect();
        assert_eq!(paths, ["parent_ids", "statuses", "exclude_account_ids"]);
    }

    #[test]
    fn tag_filters_are_checked_by_key() {
        let c = Filters {
            tags: Some(BTreeMap::from([
                ("aws:cloudformation:stack-name".into(), "ok: AWS's own keys can be matched".into()),
                ("env".into(), "prod".into()),
                ("bad\tkey".into(), "x".into()),
                ("long".into(), "v".repeat(257)),
                (String::new(), "x".into()),
            ])),
            ..Default::default()
        };
        let d = validate_filters(&c);
        let got: Vec<(String, &str)> =
            d.iter().map(|d| (d.attribute.as_ref().unwrap().to_string(), d.detail.as_str())).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].0.ends_with("[\"\"]") && got[0].1.contains("0 characters"), "{got:?}");
        assert!(got[1].0.contains("bad\\tkey") || got[1].1.contains("'\\t'"), "{got:?}");
        assert!(got[2].0.contains("long") && got[2].1.contains("257 characters"), "{got:?}");
    }

    #[test]
    fn defaults_fill_the_query() {
        let q = Filters::default().to_query();
        assert!(q.recursive && q.include_management_account);
        assert_eq!(q.statuses, BTreeSet::from(["ACTIVE".to_owned()]));
    }
}
