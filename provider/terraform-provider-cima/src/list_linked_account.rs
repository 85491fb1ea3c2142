//! `list "cima_linked_account"` (`terraform query`, Terraform ≥ 1.14): every member account of the
//! organization that holds CIMA's wiring, whoever made it (another state, a hand, an apply that
//! was interrupted halfway), each named by its identity `{ account_id }`. This is how a team adopts
//! an organization CIMA already runs in: `terraform query -generate-config-out=FILE` writes a
//! resource and an import block for each, no import written by hand.
//!
//! The wiring is looked for under the provider's role names (`member_access_role_name`, the
//! default case-reader and query role names), as an import by identity reads it. An account that
//! cannot be looked at is a warning naming it; the others are still listed.

use std::sync::Arc;

use async_trait::async_trait;
use cima_core::org::OrgQuery;
use serde::Deserialize;
use serde_json::json;
use tfplugin::list::{ListResource, Listed};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::{AttributePath, Ctx, Diagnostic, Diagnostics, Type};

use crate::config::ProviderData;
use crate::resource_linked_account::{LinkedAccountModel, Member, deployed, observe};

const COMPLETE: &str = "complete";
const INCOMPLETE: &str = "incomplete";
const WIRED: &str = "wired";

#[derive(Debug, Default, Deserialize)]
pub struct ListConfig {
    pub ou_paths: Option<Vec<String>>,
    pub wiring: Option<String>,
}

pub struct LinkedAccountList {
    data: Arc<ProviderData>,
}

impl LinkedAccountList {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

/// `path` is `under` or below it: `/Workloads` takes `/Workloads` and `/Workloads/Prod`, not
/// `/WorkloadsOld`.
fn is_under(path: &str, under: &str) -> bool {
    let under = under.trim_end_matches('/');
    under.is_empty() || path == under || path.strip_prefix(under).is_some_and(|rest| rest.starts_with('/'))
}

#[async_trait]
impl ListResource for LinkedAccountList {
    const TYPE_NAME: &'static str = "cima_linked_account";
    type Config = ListConfig;
    type Model = LinkedAccountModel;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "Member accounts of the organization that hold CIMA's wiring (the forwarding rule, the case-reader role or the events role), found under the provider's role names, whoever made it. Each is named by its identity `{ account_id }`; `terraform query -generate-config-out=FILE` writes a `cima_linked_account` and an import block for each. An account that cannot be looked at is a warning naming it.",
            )
            .attribute(
                Attribute::new("ou_paths", Type::list(Type::String))
                    .optional()
                    .description("Only accounts in these OUs or below them (`/Workloads` takes `/Workloads/Prod` too); `/` is the whole organization. Default: every member account."),
            )
            .attribute(Attribute::new("wiring", Type::String).optional().description(
                "`complete`: only accounts whose wiring is whole and as CIMA makes it (`status = \"wired\"`); `incomplete`: only the others, half-made or drifted. Default: both.",
            )),
        )
    }

    fn validate(&self, config: &ListConfig) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Some(w) = &config.wiring
            && w != COMPLETE
            && w != INCOMPLETE
        {
            d.push(
                Diagnostic::error("Invalid wiring filter", format!("{w:?} is not `{COMPLETE}` or `{INCOMPLETE}`."))
                    .at(AttributePath::root().attribute("wiring")),
            );
        }
        for (i, p) in config.ou_paths.iter().flatten().enumerate() {
            if !p.starts_with('/') {
                d.push(
                    Diagnostic::error(
                        "Invalid OU path",
                        format!("{p:?} does not start with `/` (e.g. `/Workloads/Prod`)."),
                    )
                    .at(AttributePath::root().attribute("ou_paths").index(i as i64)),
                );
            }
        }
        d
    }

    async fn list(
        &self,
        ctx: &Ctx,
        config: ListConfig,
        include_resource: bool,
        limit: usize,
        diags: &mut Diagnostics,
    ) -> Result<Vec<Listed<LinkedAccountModel>>, Diagnostics> {
        let c = self.data.get()?;
        let query = OrgQuery { include_management_account: false, read_tags: false, ..OrgQuery::default() };
        let inventory = crate::org_query::run_query(ctx, c, &query).await?;
        let ous = config.ou_paths.unwrap_or_default();
        let accounts: Vec<(String, String)> = inventory
            .accounts
            .into_iter()
            .filter(|a| ous.is_empty() || ous.iter().any(|o| is_under(&a.ou_path, o)))
            .map(|a| (a.id, a.name))
            .collect();
        let ids: Vec<String> = accounts.iter().map(|(id, _)| id.clone()).collect();
        let looked = ctx
            .run("looking for CIMA's wiring in the member accounts", async {
                Ok(cima_core::fanout::for_each_account(&ids, c.max_concurrency, |account| async move {
                    let names = LinkedAccountModel { account_id: Some(account), ..LinkedAccountModel::default() };
                    let member = Member::of(c, &names).await;
                    match deployed(&member, names).await {
                        Ok(Some(found)) => observe(&member, found.model).await.map(Some),
                        Ok(None) => Ok(None),
                        Err(e) => Err(e),
                    }
                })
                .await)
            })
            .await?;
        let mut listed = Vec::new();
        for ((id, result), (_, name)) in looked.into_iter().zip(&accounts) {
            let model = match result {
                Ok(Some(model)) => model,
                Ok(None) => continue,
                Err(e) => {
                    diags.push(Diagnostic::warning(
                        format!("Account {id} was not looked at"),
                        format!("{e}\nIts wiring, if any, is not listed; the other accounts are."),
                    ));
                    continue;
                }
            };
            let status = model.status.clone().unwrap_or_default();
            let complete = status == WIRED;
            match config.wiring.as_deref() {
                Some(COMPLETE) if !complete => continue,
                Some(INCOMPLETE) if complete => continue,
                _ => {}
            }
            if listed.len() == limit {
                break;
            }
            listed.push(Listed {
                identity: json!({ "account_id": id }),
                display_name: format!("{name} ({id}): {status}"),
                resource: include_resource.then_some(model),
            });
        }
        Ok(listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ou_paths_take_their_subtrees_only() {
        assert!(is_under("/Workloads/Prod", "/Workloads"));
        assert!(is_under("/Workloads", "/Workloads/"));
        assert!(!is_under("/WorkloadsOld", "/Workloads"));
        assert!(is_under("/Sandbox", "/"));
        assert!(!is_under("/", "/Workloads"));
    }

    #[test]
    fn filters_are_checked_with_their_paths() {
        let l = LinkedAccountList::new(Arc::new(ProviderData::default()));
        let bad = ListConfig { ou_paths: Some(vec!["/ok".into(), "Workloads".into()]), wiring: Some("done".into()) };
        let d = ListResource::validate(&l, &bad);
        let at: Vec<String> =
            d.iter().map(|d| d.attribute.as_ref().map(ToString::to_string).unwrap_or_default()).collect();
        assert_eq!(at, ["wiring", "ou_paths[1]"]);
        let good = ListConfig { ou_paths: Some(vec!["/".into()]), wiring: Some(COMPLETE.into()) };
        assert!(ListResource::validate(&l, &good).is_empty());
    }
}
