//! In-memory fakes of the AWS traits, for unit tests of the data sources and resources. Each
//! keeps what was put in it and answers the way the trait's SDK implementation does (absent is
//! `None`, deleting what is gone is fine); any operation can be made to fail with an AWS error
//! code. [`FakeAws`] hands them out per account and region like `SdkAccess` does.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use cima_core::errors::AwsError;
use cima_core::org::{OrgError, OrgInfo, OrgUnit, OrganizationsApi, RawAccount};
use cima_core::support::{Case, CaseQuery, Communication, SupportApi, SupportError};

use crate::clients::{AwsAccess, Principal};
use crate::config::{Configured, ProviderData};
use crate::events::{Bus, EventsApi, EventsError, Rule, RuleTarget};
use crate::iam::{IamApi, IamError, Role};
use crate::organizations::{AccountDirectory, OrganizationsError};
use crate::s3::{Object, ObjectStore, S3Error};
use crate::sts::{Caller, CallerIdentity, RoleCredentials};

/// The account of the provider's own credentials.
pub const PROVIDER_ACCOUNT: &str = "123456789012";
/// The provider's region; not us-east-1, so a client asked in the wrong region shows.
pub const PROVIDER_REGION: &str = "eu-west-1";
pub const ORGANIZATION: &str = "o-abcdefghij";
pub const ROOT: &str = "r-ab12";
pub const ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding a fake's lock has failed already.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every call a fake answers, and the failures it was told to give.
#[derive(Default)]
pub struct Ops {
    calls: Mutex<Vec<String>>,
    faults: Mutex<Vec<Fault>>,
}

struct Fault {
    /// `None`: every operation.
    op: Option<String>,
    error: AwsError,
    /// `None`: every time.
    times: Option<usize>,
}

impl Ops {
    /// `op` fails with `code` from now on.
    pub fn fail(&self, op: &str, code: &str) {
        self.push(Some(op), code, None);
    }

    /// `op` fails with `code` the next `times` calls, then succeeds.
    pub fn fail_times(&self, op: &str, code: &str, times: usize) {
        self.push(Some(op), code, Some(times));
    }

    fn push(&self, op: Option<&str>, code: &str, times: Option<usize>) {
        let error = AwsError::new(code, format!("injected {} failure", op.unwrap_or("any")));
        self.push_error(op, error, times);
    }

    fn push_error(&self, op: Option<&str>, error: AwsError, times: Option<usize>) {
        lock(&self.faults).push(Fault { op: op.map(str::to_owned), error, times });
    }

    /// How many times `op` was called, failed calls included.
    pub fn count(&self, op: &str) -> usize {
        lock(&self.calls).iter().filter(|c| *c == op).count()
    }

    /// Records the call and answers with its injected failure, if any.
    fn call(&self, op: &str) -> Result<(), AwsError> {
        lock(&self.calls).push(op.to_owned());
        let mut faults = lock(&self.faults);
        let Some(f) = faults.iter_mut().find(|f| f.op.as_deref().is_none_or(|o| o == op) && f.times != Some(0)) else {
            return Ok(());
        };
        if let Some(n) = f.times.as_mut() {
            *n -= 1;
        }
        Err(f.error.clone())
    }
}

/// An AssumeRole refusal, as STS words it, for every call of a member whose role is refused.
fn refused(account: &str, role: &str) -> Ops {
    let ops = Ops::default();
    let error = AwsError::new(
        "AccessDenied",
        format!(
            "User: arn:aws:iam::{PROVIDER_ACCOUNT}:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{account}:role/{role}"
        ),
    );
    ops.push_error(None, error, None);
    ops
}

// ---------------------------------------------------------------------------------------------
// EventBridge

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SentEvent {
    pub bus: String,
    pub source: String,
    pub detail_type: String,
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct EventsState {
    /// Custom buses by name; the default bus always exists.
    pub buses: BTreeMap<String, Bus>,
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    /// By (bus, rule name).
    pub rules: BTreeMap<(String, String), Rule>,
    pub targets: BTreeMap<(String, String), Vec<RuleTarget>>,
    pub sent: Vec<SentEvent>,
}

impl EventsState {
    pub fn rule(&self, bus: &str, name: &str) -> Option<&Rule> {
        self.rules.get(&(bus.to_owned(), name.to_owned()))
    }

    pub fn targets_of(&self, bus: &str, rule: &str) -> &[RuleTarget] {
        self.targets.get(&(bus.to_owned(), rule.to_owned())).map_or(&[], Vec::as_slice)
    }

    pub fn targets_mut(&mut self, bus: &str, rule: &str) -> &mut Vec<RuleTarget> {
        self.targets.entry((bus.to_owned(), rule.to_owned())).or_default()
    }
}

#[derive(Default)]
pub struct FakeEvents {
    account: String,
    region: String,
    pub ops: Ops,
    pub state: Mutex<EventsState>,
}

impl FakeEvents {
    pub fn new(account: &str, region: &str) -> Self {
        Self { account: account.to_owned(), region: region.to_owned(), ..Self::default() }
    }

    pub fn state(&self) -> MutexGuard<'_, EventsState> {
        lock(&self.state)
    }

    fn call(&self, op: &'static str, resource: &str) -> Result<MutexGuard<'_, EventsState>, EventsError> {
        self.ops.call(op).map_err(|e| EventsError::new(op, resource, e))?;
        Ok(self.state())
    }

    fn not_found(op: &'static str, resource: &str) -> EventsError {
        EventsError::new(
            op,
            resource,
            AwsError::new("ResourceNotFoundException", format!("{resource} does not exist.")),
        )
    }

    fn arn(&self, what: &str) -> String {
        format!("arn:aws:events:{}:{}:{what}", self.region, self.account)
    }

    fn has_bus(state: &EventsState, bus: &str) -> bool {
        bus == "default" || state.buses.contains_key(bus)
    }
}

#[async_trait]
impl EventsApi for FakeEvents {
    async fn create_bus(&self, name: &str, tags: &BTreeMap<String, String>) -> Result<String, EventsError> {
        let mut s = self.call("CreateEventBus", name)?;
        if s.buses.contains_key(name) {
            return Err(EventsError::new("CreateEventBus", name, AwsError::new("ResourceAlreadyExistsException", "")));
        }
        let arn = self.arn(&format!("event-bus/{name}"));
        s.buses.insert(name.to_owned(), Bus { arn: arn.clone(), policy: None });
        s.tags.insert(arn.clone(), tags.clone());
        Ok(arn)
    }

    async fn describe_bus(&self, name: &str) -> Result<Option<Bus>, EventsError> {
        Ok(self.call("DescribeEventBus", name)?.buses.get(name).cloned())
    }

    async fn delete_bus(&self, name: &str) -> Result<(), EventsError> {
        let mut s = self.call("DeleteEventBus", name)?;
        if let Some(b) = s.buses.remove(name) {
            s.tags.remove(&b.arn);
        }
        Ok(())
    }

    async fn put_policy(&self, bus: &str, policy: &str) -> Result<(), EventsError> {
        let mut s = self.call("PutPermission", bus)?;
        let b = s.buses.get_mut(bus).ok_or_else(|| Self::not_found("PutPermission", bus))?;
        b.policy = Some(policy.to_owned());
        Ok(())
    }

    async fn remove_policy(&self, bus: &str) -> Result<(), EventsError> {
        let mut s = self.call("RemovePermission", bus)?;
        if let Some(b) = s.buses.get_mut(bus) {
            b.policy = None;
        }
        Ok(())
    }

    async fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, EventsError> {
        Ok(self.call("ListTagsForResource", arn)?.tags.get(arn).cloned().unwrap_or_default())
    }

    async fn set_tags(&self, arn: &str, tags: &BTreeMap<String, String>) -> Result<(), EventsError> {
        self.call("TagResource", arn)?.tags.insert(arn.to_owned(), tags.clone());
        Ok(())
    }

    async fn put_rule(&self, bus: &str, name: &str, pattern: &str, _description: &str) -> Result<String, EventsError> {
        let mut s = self.call("PutRule", name)?;
        if !Self::has_bus(&s, bus) {
            return Err(Self::not_found("PutRule", bus));
        }
        let arn =
            if bus == "default" { self.arn(&format!("rule/{name}")) } else { self.arn(&format!("rule/{bus}/{name}")) };
        let rule = Rule { arn: arn.clone(), pattern: Some(pattern.to_owned()), enabled: true };
        s.rules.insert((bus.to_owned(), name.to_owned()), rule);
        Ok(arn)
    }

    async fn describe_rule(&self, bus: &str, name: &str) -> Result<Option<Rule>, EventsError> {
        Ok(self.call("DescribeRule", name)?.rule(bus, name).cloned())
    }

    async fn delete_rule(&self, bus: &str, name: &str) -> Result<(), EventsError> {
        let mut s = self.call("DeleteRule", name)?;
        if !s.targets_of(bus, name).is_empty() {
            // As EventBridge: a rule goes only once its targets are gone.
            return Err(EventsError::new(
                "DeleteRule",
                name,
                AwsError::new("ValidationException", "Rule can't be deleted since it has targets."),
            ));
        }
        s.rules.remove(&(bus.to_owned(), name.to_owned()));
        Ok(())
    }

    async fn put_target(&self, bus: &str, rule: &str, target: &RuleTarget) -> Result<(), EventsError> {
        let mut s = self.call("PutTargets", rule)?;
        if s.rule(bus, rule).is_none() {
            return Err(Self::not_found("PutTargets", rule));
        }
        let targets = s.targets_mut(bus, rule);
        targets.retain(|t| t.id != target.id);
        targets.push(target.clone());
        Ok(())
    }

    async fn targets(&self, bus: &str, rule: &str) -> Result<Vec<RuleTarget>, EventsError> {
        Ok(self.call("ListTargetsByRule", rule)?.targets_of(bus, rule).to_vec())
    }

    async fn remove_targets(&self, bus: &str, rule: &str, ids: &[String]) -> Result<(), EventsError> {
        self.call("RemoveTargets", rule)?.targets_mut(bus, rule).retain(|t| !ids.contains(&t.id));
        Ok(())
    }

    async fn put_event(&self, bus: &str, source: &str, detail_type: &str, detail: &str) -> Result<(), EventsError> {
        self.call("PutEvents", bus)?.sent.push(SentEvent {
            bus: bus.to_owned(),
            source: source.to_owned(),
            detail_type: detail_type.to_owned(),
            detail: detail.to_owned(),
        });
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// IAM

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FakeRole {
    pub arn: String,
    pub trust: serde_json::Value,
    pub tags: Vec<(String, String)>,
    pub policies: BTreeMap<String, serde_json::Value>,
    /// ARNs of the managed policies attached.
    pub attached: BTreeSet<String>,
}

#[derive(Default)]
pub struct FakeIam {
    account: String,
    pub ops: Ops,
    pub roles: Mutex<BTreeMap<String, FakeRole>>,
}

impl FakeIam {
    pub fn new(account: &str) -> Self {
        Self { account: account.to_owned(), ..Self::default() }
    }

    pub fn roles(&self) -> MutexGuard<'_, BTreeMap<String, FakeRole>> {
        lock(&self.roles)
    }

    fn call(&self, op: &'static str, resource: &str) -> Result<MutexGuard<'_, BTreeMap<String, FakeRole>>, IamError> {
        self.ops.call(op).map_err(|e| IamError::new(op, resource, e))?;
        Ok(self.roles())
    }

    fn no_such(op: &'static str, name: &str) -> IamError {
        IamError::new(op, name, AwsError::new("NoSuchEntity", format!("The role with name {name} cannot be found.")))
    }
}

fn json(op: &'static str, name: &str, text: &str) -> Result<serde_json::Value, IamError> {
    serde_json::from_str(text)
        .map_err(|e| IamError::new(op, name, AwsError::new("MalformedPolicyDocument", e.to_string())))
}

#[async_trait]
impl IamApi for FakeIam {
    async fn get_role(&self, name: &str) -> Result<Option<Role>, IamError> {
        let roles = self.call("GetRole", name)?;
        Ok(roles.get(name).map(|r| Role { arn: r.arn.clone(), trust: r.trust.clone() }))
    }

    async fn create_role(
        &self,
        name: &str,
        trust: &str,
        _description: &str,
        tags: &[(String, String)],
    ) -> Result<String, IamError> {
        let mut roles = self.call("CreateRole", name)?;
        if roles.contains_key(name) {
            return Err(IamError::new("CreateRole", name, AwsError::new("EntityAlreadyExists", "")));
        }
        let arn = format!("arn:aws:iam::{}:role/{name}", self.account);
        let role = FakeRole {
            arn: arn.clone(),
            trust: json("CreateRole", name, trust)?,
            tags: tags.to_vec(),
            ..FakeRole::default()
        };
        roles.insert(name.to_owned(), role);
        Ok(arn)
    }

    async fn update_trust(&self, name: &str, trust: &str) -> Result<(), IamError> {
        let mut roles = self.call("UpdateAssumeRolePolicy", name)?;
        let role = roles.get_mut(name).ok_or_else(|| Self::no_such("UpdateAssumeRolePolicy", name))?;
        role.trust = json("UpdateAssumeRolePolicy", name, trust)?;
        Ok(())
    }

    async fn get_role_policy(&self, role: &str, policy: &str) -> Result<Option<serde_json::Value>, IamError> {
        let roles = self.call("GetRolePolicy", role)?;
        Ok(roles.get(role).and_then(|r| r.policies.get(policy)).cloned())
    }

    async fn put_role_policy(&self, role: &str, policy: &str, document: &str) -> Result<(), IamError> {
        let mut roles = self.call("PutRolePolicy", role)?;
        let r = roles.get_mut(role).ok_or_else(|| Self::no_such("PutRolePolicy", role))?;
        r.policies.insert(policy.to_owned(), json("PutRolePolicy", role, document)?);
        Ok(())
    }

    async fn attached_policies(&self, role: &str) -> Result<Vec<String>, IamError> {
        let roles = self.call("ListAttachedRolePolicies", role)?;
        Ok(roles.get(role).map(|r| r.attached.iter().cloned().collect()).unwrap_or_default())
    }

    async fn detach_policy(&self, role: &str, policy_arn: &str) -> Result<(), IamError> {
        if let Some(r) = self.call("DetachRolePolicy", role)?.get_mut(role) {
            r.attached.remove(policy_arn);
        }
        Ok(())
    }

    /// As the SDK side does: managed policies detached, inline ones deleted, then the role.
    async fn delete_role(&self, name: &str) -> Result<(), IamError> {
        self.call("DeleteRole", name)?.remove(name);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// S3

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredObject {
    pub object: Object,
    pub content_type: String,
}

#[derive(Default)]
pub struct FakeStore {
    pub ops: Ops,
    pub objects: Mutex<BTreeMap<(String, String), StoredObject>>,
}

impl FakeStore {
    pub fn objects(&self) -> MutexGuard<'_, BTreeMap<(String, String), StoredObject>> {
        lock(&self.objects)
    }

    pub fn object(&self, bucket: &str, key: &str) -> Option<StoredObject> {
        self.objects().get(&(bucket.to_owned(), key.to_owned())).cloned()
    }

    fn call(&self, op: &'static str, bucket: &str, key: &str) -> Result<(), S3Error> {
        self.ops.call(op).map_err(|e| S3Error::new(op, bucket, key, e))
    }
}

#[async_trait]
impl ObjectStore for FakeStore {
    async fn put(&self, bucket: &str, key: &str, object: Object, content_type: &str) -> Result<(), S3Error> {
        self.call("PutObject", bucket, key)?;
        let stored = StoredObject { object, content_type: content_type.to_owned() };
        self.objects().insert((bucket.to_owned(), key.to_owned()), stored);
        Ok(())
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, S3Error> {
        self.call("GetObject", bucket, key)?;
        Ok(self.object(bucket, key).map(|s| s.object))
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        self.call("DeleteObject", bucket, key)?;
        self.objects().remove(&(bucket.to_owned(), key.to_owned()));
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Organizations: one root holding every account.

/// An account and its tags.
type Tagged = (RawAccount, BTreeMap<String, String>);

#[derive(Default)]
pub struct FakeOrg {
    pub ops: Ops,
    pub accounts: Mutex<Vec<Tagged>>,
}

/// An account of the fake organization, named after its id.
pub fn raw_account(id: &str, status: &str) -> RawAccount {
    RawAccount {
        id: id.to_owned(),
        arn: format!("arn:aws:organizations::{PROVIDER_ACCOUNT}:account/{ORGANIZATION}/{id}"),
        name: format!("account-{id}"),
        email: format!("{id}@example.com"),
        status: status.to_owned(),
        joined_method: "CREATED".to_owned(),
        joined_timestamp: "2024-01-01T00:00:00Z".to_owned(),
    }
}

impl FakeOrg {
    pub fn add(&self, id: &str, status: &str, tags: &[(&str, &str)]) {
        let tags = tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        lock(&self.accounts).push((raw_account(id, status), tags));
    }

    fn call(&self, op: &'static str) -> Result<MutexGuard<'_, Vec<Tagged>>, OrgError> {
        self.ops.call(op).map_err(|e| OrgError::Api { operation: op, message: e.to_string() })?;
        Ok(lock(&self.accounts))
    }

    fn check(&self, op: &'static str) -> Result<(), OrgError> {
        self.call(op).map(drop)
    }
}

#[async_trait]
impl OrganizationsApi for FakeOrg {
    async fn describe_organization(&self) -> Result<OrgInfo, OrgError> {
        self.check("DescribeOrganization")?;
        Ok(OrgInfo { id: ORGANIZATION.to_owned(), management_account_id: PROVIDER_ACCOUNT.to_owned() })
    }

    async fn list_roots(&self) -> Result<Vec<OrgUnit>, OrgError> {
        self.check("ListRoots")?;
        Ok(vec![OrgUnit { id: ROOT.to_owned(), name: "Root".to_owned() }])
    }

    async fn list_organizational_units_for_parent(&self, _parent_id: &str) -> Result<Vec<OrgUnit>, OrgError> {
        self.check("ListOrganizationalUnitsForParent")?;
        Ok(Vec::new())
    }

    async fn list_accounts_for_parent(&self, parent_id: &str) -> Result<Vec<RawAccount>, OrgError> {
        let accounts = self.call("ListAccountsForParent")?;
        Ok(if parent_id == ROOT { accounts.iter().map(|(a, _)| a.clone()).collect() } else { Vec::new() })
    }

    async fn list_tags_for_resource(&self, resource_id: &str) -> Result<BTreeMap<String, String>, OrgError> {
        let accounts = self.call("ListTagsForResource")?;
        Ok(accounts.iter().find(|(a, _)| a.id == resource_id).map(|(_, t)| t.clone()).unwrap_or_default())
    }

    async fn parent_of(&self, child_id: &str) -> Result<String, OrgError> {
        let accounts = self.call("ListParents")?;
        if accounts.iter().any(|(a, _)| a.id == child_id) {
            Ok(ROOT.to_owned())
        } else {
            Err(OrgError::ParentNotFound(child_id.to_owned()))
        }
    }

    async fn describe_organizational_unit(&self, ou_id: &str) -> Result<OrgUnit, OrgError> {
        self.check("DescribeOrganizationalUnit")?;
        Err(OrgError::ParentNotFound(ou_id.to_owned()))
    }
}

#[async_trait]
impl AccountDirectory for FakeOrg {
    async fn account_status(&self, account_id: &str) -> Result<Option<String>, OrganizationsError> {
        self.ops.call("DescribeAccount").map_err(|e| OrganizationsError::new("DescribeAccount", account_id, e))?;
        let accounts = lock(&self.accounts);
        Ok(accounts.iter().find(|(a, _)| a.id == account_id).map(|(a, _)| a.status.clone()))
    }
}

impl FakeOrg {
    /// Sets the status of an account of the organization, as closing it does.
    pub fn set_status(&self, account_id: &str, status: &str) {
        for (a, _) in lock(&self.accounts).iter_mut().filter(|(a, _)| a.id == account_id) {
            a.status = status.to_owned();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Support

#[derive(Default)]
pub struct FakeSupport {
    pub ops: Ops,
    pub cases: Mutex<Vec<Case>>,
    pub communications: Mutex<BTreeMap<String, Vec<Communication>>>,
    /// Every DescribeCases query asked.
    pub queries: Mutex<Vec<CaseQuery>>,
}

impl FakeSupport {
    pub fn add(&self, case: Case) {
        lock(&self.cases).push(case);
    }

    pub fn queries(&self) -> Vec<CaseQuery> {
        lock(&self.queries).clone()
    }

    fn call(&self, op: &'static str) -> Result<(), SupportError> {
        self.ops.call(op).map_err(|e| SupportError::Api { operation: op, message: e.to_string() })
    }
}

#[async_trait]
impl SupportApi for FakeSupport {
    async fn describe_cases(&self, q: &CaseQuery) -> Result<Vec<Case>, SupportError> {
        self.call("DescribeCases")?;
        lock(&self.queries).push(q.clone());
        let cases = lock(&self.cases);
        Ok(cases.iter().filter(|c| q.include_resolved || c.status != "resolved").cloned().collect())
    }

    async fn describe_communications(&self, case_id: &str) -> Result<Vec<Communication>, SupportError> {
        self.call("DescribeCommunications")?;
        Ok(lock(&self.communications).get(case_id).cloned().unwrap_or_default())
    }
}

// ---------------------------------------------------------------------------------------------
// STS

pub struct FakeSts {
    pub account: Mutex<Result<Option<String>, AwsError>>,
    /// Accounts whose roles refuse to be assumed.
    pub refused: Mutex<std::collections::BTreeSet<String>>,
}

impl Default for FakeSts {
    fn default() -> Self {
        Self { account: Mutex::new(Ok(Some(PROVIDER_ACCOUNT.to_owned()))), refused: Mutex::default() }
    }
}

#[async_trait]
impl CallerIdentity for FakeSts {
    async fn account(&self) -> Result<Option<String>, AwsError> {
        lock(&self.account).clone()
    }

    async fn caller(&self) -> Result<Caller, AwsError> {
        let account = lock(&self.account).clone()?.unwrap_or_default();
        Ok(Caller { arn: format!("arn:aws:iam::{account}:user/provider"), user_id: "AIDAFAKE".into(), account })
    }

    /// Refuses the role an account's name has been told to refuse; else credentials that name
    /// the role, lasting as long as asked from the real clock.
    async fn assume_role(
        &self,
        account_id: &str,
        role_name: &str,
        session_name: &str,
        duration_seconds: i32,
    ) -> Result<RoleCredentials, AwsError> {
        if lock(&self.refused).contains(account_id) {
            return Err(AwsError::new("AccessDenied", format!("not authorized to assume {role_name} in {account_id}")));
        }
        Ok(RoleCredentials {
            role_arn: format!("arn:aws:iam::{account_id}:role/{role_name}"),
            access_key_id: format!("ASIA{account_id}"),
            secret_access_key: format!("secret-{session_name}"),
            session_token: format!("token-{account_id}"),
            expiration: std::time::SystemTime::now()
                + std::time::Duration::from_secs(u64::try_from(duration_seconds).unwrap_or_default()),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The whole of AWS, per account

/// One account's services; EventBridge per region.
#[derive(Default)]
pub struct FakeAccount {
    id: String,
    pub iam: Arc<FakeIam>,
    pub support: Arc<FakeSupport>,
    events: Mutex<BTreeMap<String, Arc<FakeEvents>>>,
}

impl FakeAccount {
    pub fn events(&self, region: &str) -> Arc<FakeEvents> {
        lock(&self.events)
            .entry(region.to_owned())
            .or_insert_with(|| Arc::new(FakeEvents::new(&self.id, region)))
            .clone()
    }
}

#[derive(Default)]
pub struct FakeAws {
    pub identity: Arc<FakeSts>,
    pub org: Arc<FakeOrg>,
    pub store: Arc<FakeStore>,
    accounts: Mutex<BTreeMap<String, Arc<FakeAccount>>>,
    /// Member accounts whose access role cannot be assumed.
    refused: Mutex<BTreeSet<String>>,
}

impl FakeAws {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn account(&self, id: &str) -> Arc<FakeAccount> {
        lock(&self.accounts)
            .entry(id.to_owned())
            .or_insert_with(|| {
                Arc::new(FakeAccount { id: id.to_owned(), iam: Arc::new(FakeIam::new(id)), ..FakeAccount::default() })
            })
            .clone()
    }

    /// Assuming any role in `account` is refused from now on.
    pub fn refuse(&self, account: &str) {
        lock(&self.refused).insert(account.to_owned());
    }

    /// Provider data configured with these fakes, the default access role and 4 calls in flight.
    pub fn provider_data(self: &Arc<Self>) -> Arc<ProviderData> {
        ProviderData::configured(Configured::new(self.clone(), ACCESS_ROLE.to_owned(), 4))
    }

    /// `Some(refusal)` when `who` is a member whose role cannot be assumed.
    fn refusal(&self, who: Principal<'_>) -> Option<Ops> {
        match who {
            Principal::Member { account, role } if lock(&self.refused).contains(account) => {
                Some(refused(account, role))
            }
            _ => None,
        }
    }

    fn account_of(who: Principal<'_>) -> &str {
        match who {
            Principal::Provider => PROVIDER_ACCOUNT,
            Principal::Member { account, .. } => account,
        }
    }
}

#[async_trait]
impl AwsAccess for FakeAws {
    fn identity(&self) -> Arc<dyn CallerIdentity> {
        self.identity.clone()
    }

    fn organizations(&self) -> Arc<dyn OrganizationsApi> {
        self.org.clone()
    }

    fn accounts(&self) -> Arc<dyn AccountDirectory> {
        self.org.clone()
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    async fn events(&self, who: Principal<'_>, region: Option<&str>) -> Arc<dyn EventsApi> {
        let account = Self::account_of(who);
        let region = region.unwrap_or(PROVIDER_REGION);
        match self.refusal(who) {
            Some(ops) => Arc::new(FakeEvents { ops, ..FakeEvents::new(account, region) }),
            None => self.account(account).events(region),
        }
    }

    async fn iam(&self, who: Principal<'_>) -> Arc<dyn IamApi> {
        let account = Self::account_of(who);
        match self.refusal(who) {
            Some(ops) => Arc::new(FakeIam { ops, ..FakeIam::new(account) }),
            None => self.account(account).iam.clone(),
        }
    }

    async fn support(&self, who: Principal<'_>) -> Arc<dyn SupportApi> {
        match self.refusal(who) {
            Some(ops) => Arc::new(FakeSupport { ops, ..FakeSupport::default() }),
            None => self.account(Self::account_of(who)).support.clone(),
        }
    }
}
