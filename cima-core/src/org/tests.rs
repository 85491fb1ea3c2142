//! The walk against an in-memory organization (a double of our own trait, not of AWS).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

#[derive(Default)]
struct MemOrg {
    ous: Vec<(String, String, String)>, // id, name, parent
    accounts: Vec<(RawAccount, String, BTreeMap<String, String>)>,
    calls: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

fn raw(id: &str, status: &str) -> RawAccount {
    RawAccount {
        id: id.into(),
        arn: format!("arn:aws:organizations::111111111111:account/o-abc/{id}"),
        name: format!("acct-{id}"),
        email: format!("{id}@example.com"),
        status: status.into(),
        joined_method: "CREATED".into(),
        joined_timestamp: "2024-01-01T00:00:00Z".into(),
    }
}

impl MemOrg {
    fn sample() -> Self {
        let mut m = MemOrg::default();
        m.ous.push(("ou-prod".into(), "Production".into(), "r-root".into()));
        m.ous.push(("ou-web".into(), "Web".into(), "ou-prod".into()));
        m.ous.push(("ou-sec".into(), "Security".into(), "r-root".into()));
        m.accounts.push((raw("111111111111", "ACTIVE"), "r-root".into(), BTreeMap::new()));
        m.accounts.push((
            raw("222222222222", "ACTIVE"),
            "ou-prod".into(),
            BTreeMap::from([("env".into(), "prod".into())]),
        ));
        m.accounts.push((
            raw("333333333333", "SUSPENDED"),
            "ou-web".into(),
            BTreeMap::from([("env".into(), "prod".into())]),
        ));
        m.accounts.push((
            raw("444444444444", "ACTIVE"),
            "ou-web".into(),
            BTreeMap::from([("env".into(), "dev".into())]),
        ));
        m.accounts.push((raw("555555555555", "ACTIVE"), "ou-sec".into(), BTreeMap::new()));
        m
    }
    fn log(&self, s: String) {
        self.calls.lock().unwrap().push(s);
    }
    /// Counts the call as in flight across a few scheduler turns, so overlapping calls show.
    async fn in_flight(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl OrganizationsApi for MemOrg {
    async fn describe_organization(&self) -> Result<OrgInfo, OrgError> {
        self.in_flight().await;
        Ok(OrgInfo { id: "o-abc".into(), management_account_id: "111111111111".into() })
    }
    async fn list_roots(&self) -> Result<Vec<OrgUnit>, OrgError> {
        self.in_flight().await;
        Ok(vec![OrgUnit { id: "r-root".into(), name: "Root".into() }])
    }
    async fn list_organizational_units_for_parent(&self, parent_id: &str) -> Result<Vec<OrgUnit>, OrgError> {
        self.in_flight().await;
        self.log(format!("ous:{parent_id}"));
        Ok(self
            .ous
            .iter()
            .filter(|o| o.2 == parent_id)
            .map(|o| OrgUnit { id: o.0.clone(), name: o.1.clone() })
            .collect())
    }
    async fn list_accounts_for_parent(&self, parent_id: &str) -> Result<Vec<RawAccount>, OrgError> {
        self.in_flight().await;
        self.log(format!("accounts:{parent_id}"));
        Ok(self.accounts.iter().filter(|a| a.1 == parent_id).map(|a| a.0.clone()).collect())
    }
    async fn list_tags_for_resource(&self, resource_id: &str) -> Result<BTreeMap<String, String>, OrgError> {
        self.in_flight().await;
        self.log(format!("tags:{resource_id}"));
        Ok(self.accounts.iter().find(|a| a.0.id == resource_id).map(|a| a.2.clone()).unwrap_or_default())
    }
    async fn parent_of(&self, child_id: &str) -> Result<String, OrgError> {
        self.in_flight().await;
        self.ous
            .iter()
            .find(|o| o.0 == child_id)
            .map(|o| o.2.clone())
            .ok_or_else(|| OrgError::ParentNotFound(child_id.into()))
    }
    async fn describe_organizational_unit(&self, ou_id: &str) -> Result<OrgUnit, OrgError> {
        self.in_flight().await;
        self.ous
            .iter()
            .find(|o| o.0 == ou_id)
            .map(|o| OrgUnit { id: o.0.clone(), name: o.1.clone() })
            .ok_or_else(|| OrgError::ParentNotFound(ou_id.into()))
    }
}

#[tokio::test]
async fn calls_in_flight_never_exceed_the_limit() {
    for limit in 1..=4 {
        let org = MemOrg::sample();
        let inv = query(&org, &OrgQuery::default(), limit).await.unwrap();
        assert_eq!(inv.accounts.len(), 4);
        let peak = org.peak.load(Ordering::SeqCst);
        assert!(peak <= limit, "limit {limit}, peak {peak}");
        // A parent's two listings (and the first two calls) overlap once the limit allows it.
        assert!(peak >= limit.min(2), "limit {limit}, peak {peak}");
    }
}

fn ids(inv: &OrgInventory) -> Vec<&str> {
    inv.accounts.iter().map(|a| a.id.as_str()).collect()
}

#[tokio::test]
async fn default_query_walks_everything_active_with_paths() {
    let org = MemOrg::sample();
    let inv = query(&org, &OrgQuery::default(), 4).await.unwrap();
    assert_eq!(ids(&inv), ["111111111111", "222222222222", "444444444444", "555555555555"]);
    let paths: Vec<&str> = inv.accounts.iter().map(|a| a.ou_path.as_str()).collect();
    assert_eq!(paths, ["/", "/Production", "/Production/Web", "/Security"]);
    assert_eq!(inv.accounts[2].parent_id, "ou-web");
    assert_eq!(inv.root_id, "r-root");
    assert_eq!(inv.organization_id, "o-abc");
}

#[tokio::test]
async fn one_ou_recursive_or_not_and_its_path_is_resolved_upward() {
    let org = MemOrg::sample();
    let q = OrgQuery { parent_ids: vec!["ou-prod".into()], statuses: BTreeSet::new(), ..OrgQuery::default() };
    let inv = query(&org, &q, 2).await.unwrap();
    assert_eq!(ids(&inv), ["222222222222", "333333333333", "444444444444"]);
    let flat = OrgQuery { recursive: false, ..q };
    let inv = query(&org, &flat, 2).await.unwrap();
    assert_eq!(ids(&inv), ["222222222222"]);
    assert_eq!(inv.accounts[0].ou_path, "/Production");
}

#[tokio::test]
async fn filters_compose_and_tags_are_read_only_for_survivors() {
    let org = MemOrg::sample();
    let q = OrgQuery {
        tags: BTreeMap::from([("env".into(), "prod".into())]),
        statuses: BTreeSet::from(["ACTIVE".into(), "SUSPENDED".into()]),
        exclude_account_ids: BTreeSet::from(["333333333333".into()]),
        ..OrgQuery::default()
    };
    let inv = query(&org, &q, 3).await.unwrap();
    assert_eq!(ids(&inv), ["222222222222"]);
    {
        let calls = org.calls.lock().unwrap();
        assert!(!calls.iter().any(|c| c == "tags:333333333333"), "excluded accounts need no tag call: {calls:?}");
    }

    let q = OrgQuery {
        include_management_account: false,
        include_account_ids: BTreeSet::from(["111111111111".into(), "555555555555".into()]),
        ..OrgQuery::default()
    };
    assert_eq!(ids(&query(&org, &q, 1).await.unwrap()), ["555555555555"]);
}

#[tokio::test]
async fn overlapping_parents_list_each_account_once() {
    let org = MemOrg::sample();
    let q = OrgQuery { parent_ids: vec!["ou-prod".into(), "ou-web".into(), "ou-prod".into()], ..OrgQuery::default() };
    let inv = query(&org, &q, 4).await.unwrap();
    assert_eq!(ids(&inv), ["222222222222", "444444444444"]);
    let calls = org.calls.lock().unwrap();
    assert_eq!(calls.iter().filter(|c| *c == "accounts:ou-web").count(), 1);
}

#[tokio::test]
async fn unknown_parent_is_an_error_naming_it() {
    let org = MemOrg::sample();
    let q = OrgQuery { parent_ids: vec!["ou-nope".into()], ..OrgQuery::default() };
    let err = query(&org, &q, 4).await.unwrap_err();
    assert!(err.to_string().contains("ou-nope"), "{err}");
}

#[tokio::test]
async fn tags_are_skipped_when_not_wanted_unless_filtering() {
    let org = MemOrg::sample();
    let q = OrgQuery { read_tags: false, ..OrgQuery::default() };
    let inv = query(&org, &q, 4).await.unwrap();
    assert_eq!(inv.accounts.len(), 4);
    assert!(!org.calls.lock().unwrap().iter().any(|c| c.starts_with("tags:")));
    let q = OrgQuery { read_tags: false, tags: BTreeMap::from([("env".into(), "dev".into())]), ..OrgQuery::default() };
    assert_eq!(ids(&query(&org, &q, 4).await.unwrap()), ["444444444444"]);
}
