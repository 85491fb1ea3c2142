//! The organization inventory: which accounts exist, where they sit in the OU tree, and which of
//! them a query selects. Every list call is paged to the end; OUs are walked level by level with
//! at most `max_concurrency` calls in flight.

pub mod export;
mod sdk;

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use futures::{StreamExt as _, TryStreamExt as _};

pub use sdk::SdkOrganizations;

#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("{operation} failed: {message}")]
    Api { operation: &'static str, message: String },
    #[error("this account is not a member of an AWS Organization (DescribeOrganization: {0})")]
    NotInOrganization(String),
    #[error("the organization has no root")]
    NoRoot,
    #[error("parent {0} was not found in the organization")]
    ParentNotFound(String),
}

/// What DescribeOrganization tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgInfo {
    pub id: String,
    pub management_account_id: String,
}

/// An OU or root as the list calls return it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
}

/// An account as ListAccountsForParent returns it, before placement and tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAccount {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub joined_method: String,
    /// RFC 3339, UTC.
    pub joined_timestamp: String,
}

/// An account placed in the tree, with its tags.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub joined_method: String,
    pub joined_timestamp: String,
    pub parent_id: String,
    /// "/" for the root, "/Production/Web" for an OU two levels down.
    pub ou_path: String,
    pub tags: BTreeMap<String, String>,
}

/// The Organizations calls the walk needs, each paged to the end by the implementation.
#[async_trait]
pub trait OrganizationsApi: Send + Sync {
    async fn describe_organization(&self) -> Result<OrgInfo, OrgError>;
    async fn list_roots(&self) -> Result<Vec<OrgUnit>, OrgError>;
    async fn list_organizational_units_for_parent(&self, parent_id: &str) -> Result<Vec<OrgUnit>, OrgError>;
    async fn list_accounts_for_parent(&self, parent_id: &str) -> Result<Vec<RawAccount>, OrgError>;
    async fn list_tags_for_resource(&self, resource_id: &str) -> Result<BTreeMap<String, String>, OrgError>;
    /// The one parent of an OU or account (an OU has exactly one).
    async fn parent_of(&self, child_id: &str) -> Result<String, OrgError>;
    async fn describe_organizational_unit(&self, ou_id: &str) -> Result<OrgUnit, OrgError>;
}

/// Which accounts to select. Empty `parent_ids` means the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgQuery {
    pub parent_ids: Vec<String>,
    pub recursive: bool,
    pub statuses: BTreeSet<String>,
    pub tags: BTreeMap<String, String>,
    pub include_account_ids: BTreeSet<String>,
    pub exclude_account_ids: BTreeSet<String>,
    pub include_management_account: bool,
    /// Read each selected account's tags (one call per account). Callers that need only ids and
    /// names turn it off; a tag filter reads them regardless.
    pub read_tags: bool,
}

impl Default for OrgQuery {
    fn default() -> Self {
        Self {
            parent_ids: Vec::new(),
            recursive: true,
            statuses: BTreeSet::from(["ACTIVE".to_owned()]),
            tags: BTreeMap::new(),
            include_account_ids: BTreeSet::new(),
            exclude_account_ids: BTreeSet::new(),
            include_management_account: true,
            read_tags: true,
        }
    }
}

/// The answer to a query: the organization and the selected accounts, sorted by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgInventory {
    pub organization_id: String,
    pub management_account_id: String,
    pub root_id: String,
    pub accounts: Vec<Account>,
}

impl OrgInventory {
    pub fn account_ids(&self) -> Vec<String> {
        self.accounts.iter().map(|a| a.id.clone()).collect()
    }
}

fn join_path(parent: &str, name: &str) -> String {
    if parent == "/" { format!("/{name}") } else { format!("{parent}/{name}") }
}

/// The path of `parent_id` from the root, climbing with ListParents.
async fn path_of(api: &dyn OrganizationsApi, root_id: &str, parent_id: &str) -> Result<String, OrgError> {
    let mut names = Vec::new();
    let mut current = parent_id.to_owned();
    // Organizations nests OUs at most five deep; the bound guards against a cycle in a broken server.
    for _ in 0..8 {
        if current == root_id {
            names.reverse();
            return Ok(if names.is_empty() { "/".to_owned() } else { format!("/{}", names.join("/")) });
        }
        let ou = api.describe_organizational_unit(&current).await?;
        names.push(ou.name);
        current = api.parent_of(&current).await?;
    }
    Err(OrgError::ParentNotFound(parent_id.to_owned()))
}

/// Runs `query`: resolves the starting parents, walks down (all levels when `recursive`), reads
/// tags of the accounts that survive the cheap filters, then applies the tag filter.
pub async fn query(api: &dyn OrganizationsApi, q: &OrgQuery, max_concurrency: usize) -> Result<OrgInventory, OrgError> {
    let limit = max_concurrency.max(1);
    // Independent calls go out together: each sequential round trip is latency the caller waits.
    let (org, roots) = if limit >= 2 {
        futures::try_join!(api.describe_organization(), api.list_roots())?
    } else {
        (api.describe_organization().await?, api.list_roots().await?)
    };
    let root = roots.into_iter().next().ok_or(OrgError::NoRoot)?;

    let starts: Vec<String> = if q.parent_ids.is_empty() { vec![root.id.clone()] } else { dedup(&q.parent_ids) };
    let mut level: Vec<(String, String)> = futures::stream::iter(starts.iter().cloned())
        .map(|id| async {
            let path = path_of(api, &root.id, &id).await?;
            Ok::<_, OrgError>((id, path))
        })
        .buffered(limit)
        .try_collect()
        .await?;

    // Breadth first: one level's parents are listed concurrently, then their children's. A
    // parent's two listings go out together when the limit leaves room for both.
    let pair_calls = limit >= 2;
    let parents_at_once = if pair_calls { limit / 2 } else { 1 };
    let mut visited: BTreeSet<String> = BTreeSet::new();
    let mut placed: BTreeMap<String, Account> = BTreeMap::new();
    while !level.is_empty() {
        level.retain(|(id, _)| visited.insert(id.clone()));
        let results: Vec<(String, String, Vec<RawAccount>, Vec<OrgUnit>)> =
            futures::stream::iter(level.iter().cloned())
                .map(|(id, path)| async move {
                    let children = async {
                        if q.recursive { api.list_organizational_units_for_parent(&id).await } else { Ok(Vec::new()) }
                    };
                    let accounts = api.list_accounts_for_parent(&id);
                    let (accounts, children) = if pair_calls {
                        futures::try_join!(accounts, children)?
                    } else {
                        (accounts.await?, children.await?)
                    };
                    Ok::<_, OrgError>((id, path, accounts, children))
                })
                .buffer_unordered(parents_at_once)
                .try_collect()
                .await?;
        let mut next = Vec::new();
        for (parent_id, path, accounts, children) in results {
            for a in accounts {
                placed.entry(a.id.clone()).or_insert_with(|| Account {
                    id: a.id,
                    arn: a.arn,
                    name: a.name,
                    email: a.email,
                    status: a.status,
                    joined_method: a.joined_method,
                    joined_timestamp: a.joined_timestamp,
                    parent_id: parent_id.clone(),
                    ou_path: path.clone(),
                    tags: BTreeMap::new(),
                });
            }
            for c in children {
                next.push((c.id, join_path(&path, &c.name)));
            }
        }
        level = next;
    }

    let selected: Vec<Account> = placed
        .into_values()
        .filter(|a| q.statuses.is_empty() || q.statuses.contains(&a.status))
        .filter(|a| q.include_account_ids.is_empty() || q.include_account_ids.contains(&a.id))
        .filter(|a| !q.exclude_account_ids.contains(&a.id))
        .filter(|a| q.include_management_account || a.id != org.management_account_id)
        .collect();

    let mut accounts: Vec<Account> = futures::stream::iter(selected)
        .map(|mut a| async move {
            if q.read_tags || !q.tags.is_empty() {
                a.tags = api.list_tags_for_resource(&a.id).await?;
            }
            Ok::<_, OrgError>(a)
        })
        .buffer_unordered(limit)
        .try_filter(|a| futures::future::ready(q.tags.iter().all(|(k, v)| a.tags.get(k) == Some(v))))
        .try_collect()
        .await?;
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    tracing::debug!(accounts = accounts.len(), "organization query done");

    Ok(OrgInventory {
        organization_id: org.id,
        management_account_id: org.management_account_id,
        root_id: root.id,
        accounts,
    })
}

fn dedup(ids: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.iter().filter(|id| seen.insert((*id).clone())).cloned().collect()
}

#[cfg(test)]
mod tests;
