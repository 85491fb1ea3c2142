//! One local AWS with a seeded organization per test, the handler wired to it as the Lambda
//! would be, and helpers to create cases in member accounts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_types::SdkConfig;
use aws_types::region::Region;
use case_enricher::aws::{Aws, EventBus, SdkAws};
use case_enricher::{Config, Enricher, PutRetry};
use cima_core::sessions::AccountSessions;
use cima_core::support::SupportApi;
use cima_testkit::{CaseSpec, LocalAws, OrgSpec, SeededOrg};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;

pub const CENTRAL_BUS: &str = "cima-central";
/// The function as the runtime names it: in the management account, where the central bus is.
pub const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:case-enricher";

pub struct World {
    pub aws: LocalAws,
    pub org: SeededOrg,
    /// The first member account: it has the case-reader role.
    pub member: String,
    pub base: SdkConfig,
}

impl World {
    /// A local AWS with an organization of `members` accounts, the case-reader role in the first
    /// member, and the central bus in the management account.
    pub async fn start(members: usize) -> World {
        let aws = LocalAws::start().expect("local AWS starts");
        let org = aws.seed_org(&OrgSpec { accounts: members, seed: 41, suspended: 0 }).expect("organization");
        let member = org.members().next().expect("a member").id.clone();
        aws.seed_cases(&CaseSpec {
            seed: 1,
            per_account: 0,
            accounts: Some(vec![member.clone()]),
            ..CaseSpec::default()
        })
        .expect("reader role");
        let base = sdk_config(aws.endpoint()).await;
        aws_sdk_eventbridge::Client::new(&base).create_event_bus().name(CENTRAL_BUS).send().await.expect("central bus");
        World { aws, org, member, base }
    }

    pub fn config(&self) -> Config {
        let mut c = Config::from_lookup(|k| (k == "CENTRAL_BUS_NAME").then(|| CENTRAL_BUS.to_owned())).expect("config");
        // Fast retries: the tests inject failures on purpose.
        c.put_retry = PutRetry { attempts: 3, first_delay: Duration::from_millis(10) };
        c
    }

    pub async fn enricher(&self, config: Config) -> Enricher<Counting<SdkAws>> {
        let aws = SdkAws::new(self.base.clone(), &config.case_reader_role_name, None).await;
        Enricher::new(Counting::new(aws), config)
    }

    /// A capture of the enriched events on the central bus, where the enricher puts them.
    pub fn enriched_capture(&self, name: &str) -> cima_testkit::EventCapture {
        self.aws
            .capture_events(name, &serde_json::json!({"source": ["heidi.support"]}), None, Some(CENTRAL_BUS))
            .expect("capture")
    }

    /// SDK configuration acting as OrganizationAccountAccessRole in the member (what a person
    /// opening cases there would use).
    pub async fn member_config(&self) -> SdkConfig {
        AccountSessions::new(self.base.clone(), "case-opener")
            .config_for(&self.member, "OrganizationAccountAccessRole", "us-east-1")
            .await
    }

    pub async fn create_case(&self, support: &aws_sdk_support::Client, subject: &str) -> String {
        support
            .create_case()
            .subject(subject)
            .communication_body(format!("{subject}: details"))
            .severity_code("urgent")
            .service_code("aws-lambda")
            .category_code("performance")
            .cc_email_addresses("oncall@example.com")
            .send()
            .await
            .expect("CreateCase")
            .case_id
            .expect("case id")
    }

    pub fn account_name(&self, id: &str) -> String {
        self.org.account(id).expect("seeded account").name.clone()
    }
}

/// The management account's configuration against the local AWS, with quick SDK retries.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "localaws"))
        .retry_config(RetryConfig::standard().with_max_attempts(5).with_initial_backoff(Duration::from_millis(20)))
        .load()
        .await
}

/// An invocation as the runtime hands it over, with `budget` left before the deadline.
pub fn invocation(payload: Value, budget: Duration) -> LambdaEvent<Value> {
    let mut ctx = Context::default();
    ctx.request_id = "test-request".into();
    ctx.invoked_function_arn = FUNCTION_ARN.into();
    let deadline = SystemTime::now() + budget;
    ctx.deadline =
        u64::try_from(deadline.duration_since(SystemTime::UNIX_EPOCH).expect("after 1970").as_millis()).expect("fits");
    LambdaEvent::new(payload, ctx)
}

/// The SDK's [`Aws`], counting Organizations DescribeAccount calls (to see the name cache work).
pub struct Counting<A> {
    inner: A,
    pub name_lookups: AtomicUsize,
}

impl<A> Counting<A> {
    fn new(inner: A) -> Self {
        Counting { inner, name_lookups: AtomicUsize::new(0) }
    }
}

#[async_trait]
impl<A: Aws> Aws for Counting<A> {
    async fn support(&self, account_id: &str) -> Arc<dyn SupportApi> {
        self.inner.support(account_id).await
    }
    fn central_bus(&self) -> Arc<dyn EventBus> {
        self.inner.central_bus()
    }
    async fn account_name(&self, account_id: &str) -> Result<String, case_enricher::aws::CallError> {
        self.name_lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.account_name(account_id).await
    }
}

/// Log lines (JSON, as the Lambda writes them) of whatever runs while the guard lives, on this
/// thread.
pub struct Logs(Arc<Mutex<Vec<u8>>>);

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let subscriber = lambda_runtime::tracing::subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_writer(move || Sink(writer.clone()))
            .finish();
        (Logs(buf), tracing::subscriber::set_default(subscriber))
    }

    /// Every line, parsed.
    pub fn lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()).expect("utf-8");
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON log line")).collect()
    }

    /// The lines whose message is `message`.
    pub fn with_message(&self, message: &str) -> Vec<Value> {
        self.lines().into_iter().filter(|l| l["message"] == message).collect()
    }
}
