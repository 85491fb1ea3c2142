//! The whole CIMA console on one machine: what `cargo xtask console` serves and the browser test
//! drives. Nothing is written to the store by hand and nothing is let through without a token:
//!
//! 1. a seeded organization with Support cases in its members and resources for the chat;
//! 2. the pipeline wired by the real Terraform ([`LocalPipeline`]), each linked account asking
//!    for a backfill, so the cases travel member → enricher → Firehose → S3; then a few live
//!    changes (a new case whose subject is markup, an AWS reply and a resolution) take the same
//!    path;
//! 3. the account inventory written by the `cima_org_query` resource, the Glue tables and the
//!    Athena workgroup as `modules/cima-central/storage.tf` declares them ([`central_store`]);
//! 4. console-api and chat-query under the Runtime API emulator behind an [`HttpApi`] whose JWT
//!    authorizer checks the local Cognito user pool's keys, and the page from `web/` as a
//!    [`StaticSite`] with its `config.json`.
//!
//! [`ConsoleTruth`] is what the page must show, computed from the seeding tool's own record of
//! the cases, independently of the store and of the API.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::{Value, json};

use crate::cognito::{CognitoUser, UserPool, UserPoolSpec};
use crate::error::{Error, Result};
use crate::http_api::{Cors, HttpApi};
use crate::lambda::{LambdaEmulator, LambdaFunction, RunningFunction};
use crate::localaws::{CaseSpec, LocalAws, OrgSpec, REGION, SeededCases, SeededOrg, TEST_KEY};
use crate::pipeline::{LocalPipeline, PipelineSpec, STORE_PREFIX};
use crate::resources::{ResourceSpec, SeededResources, seed_resources};
use crate::static_site::StaticSite;

/// The Glue database, tables and workgroup `modules/cima-central` creates by default.
pub mod central_store {
    pub const DATABASE: &str = "heididatacollectiondb";
    pub const CASES_TABLE: &str = "supportcaseevents";
    pub const ACCOUNTS_TABLE: &str = "accountsinfo";
    pub const WORKGROUP: &str = "cima";
    pub const DATA_PREFIX: &str = "DataCollection-data";
    pub const INVENTORY_PATH: &str = "DataCollection-metadata/ReferenceOds/AccountsInfo";
    pub const RESULTS_PREFIX: &str = "athena-results";
    /// The enriched detail's Hive type, as storage.tf declares it.
    pub const DETAIL_TYPE: &str = "struct<caseid:string,displayid:string,subject:string,status:string,servicecode:string,categorycode:string,severitycode:string,submittedby:string,timecreated:string,ccemailaddresses:array<string>,language:string,submittedrole:string,lastcommunicationtime:string,firstresponsetime:string,accountname:string>";
    /// The columns of the inventory the `cima_org_query` resource writes, in its order.
    pub const ACCOUNTS_COLUMNS: [&str; 10] =
        ["accountid", "arn", "email", "name", "status", "joinedmethod", "joinedtimestamp", "tag", "ou_path", "tags"];
}

/// The one subject every console test looks for: markup that must show as text.
pub const MARKUP_SUBJECT: &str = "<img src=x onerror=alert(1)>";
/// The chat question the console test asks, and whose answer the truth counts.
pub const CHAT_QUESTION: &str = "how many ec2 instances are running";
/// The demo user's name; its password is [`ConsoleUser::password`].
pub const CONSOLE_USER: &str = "oncall";
/// The largest backfill a linked account may ask for.
const MAX_BACKFILL_DAYS: u32 = 365;
const READER_ROLE_FOR_SEEDING: &str = "SeedReader";
const HISTORY_TABLE: &str = "cima-chat-history";
const CONSOLE_API: &str = "console-api";
const CHAT_QUERY: &str = "chat-query";
/// How long the store may take to hold every expected event.
const STORE_WAIT: Duration = Duration::from_secs(240);

/// What [`LocalConsole::start`] builds.
#[derive(Debug, Clone)]
pub struct ConsoleSpec {
    /// Member accounts; the organization has a management account besides.
    pub accounts: usize,
    /// Support cases seeded in each member, spread over the 400 days before today.
    pub per_account: usize,
    pub seed: u64,
    /// The page's port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// The days each linked account asks the enricher to backfill (at most 365).
    pub backfill_days: u32,
}

impl Default for ConsoleSpec {
    fn default() -> ConsoleSpec {
        ConsoleSpec { accounts: 8, per_account: 8, seed: 11, port: None, backfill_days: MAX_BACKFILL_DAYS }
    }
}

/// The programs the stack runs: the provider binary and the three functions (packaged
/// bootstraps or debug builds).
#[derive(Debug)]
pub struct ConsoleBinaries {
    pub provider: PathBuf,
    pub provider_source: String,
    pub enricher: LambdaFunction,
    pub console_api: LambdaFunction,
    pub chat_query: LambdaFunction,
}

/// The demo user of the local user pool.
#[derive(Debug, Clone, Serialize)]
pub struct ConsoleUser {
    pub username: String,
    pub password: String,
    pub sub: String,
}

/// What the console must show for the whole organization, from the seeding tool's record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConsoleTruth {
    pub total: u64,
    pub open: u64,
    /// Every severity code, zero included.
    pub by_severity: BTreeMap<String, u64>,
    /// Members with at least one stored case, by account ID.
    pub accounts: Vec<AccountTruth>,
    pub markup_subject: String,
    pub markup_case_id: String,
    /// A case with three stored events: backfilled, answered by AWS, resolved.
    pub timeline_case_id: String,
    pub timeline_subject: String,
    pub timeline_events: u64,
    pub question: String,
    /// Running EC2 instances in the chat's default region, over every account.
    pub running_instances: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccountTruth {
    pub account_id: String,
    pub account_name: String,
    pub cases: u64,
    pub open: u64,
    pub by_severity: BTreeMap<String, u64>,
}

const SEVERITIES: [&str; 5] = ["low", "normal", "high", "urgent", "critical"];

/// One stored case as the seeding record sees it.
#[derive(Debug, Clone)]
struct TruthCase {
    account: String,
    subject: String,
    severity: String,
    status: String,
}

impl ConsoleTruth {
    fn from_cases(cases: &BTreeMap<String, TruthCase>, org: &SeededOrg) -> ConsoleTruth {
        let open = |c: &TruthCase| c.status != "resolved";
        let zero = || SEVERITIES.iter().map(|s| ((*s).to_owned(), 0)).collect::<BTreeMap<_, _>>();
        let mut by_severity = zero();
        let mut accounts: BTreeMap<String, AccountTruth> = BTreeMap::new();
        for c in cases.values() {
            *by_severity.entry(c.severity.clone()).or_default() += 1;
            let a = accounts.entry(c.account.clone()).or_insert_with(|| AccountTruth {
                account_id: c.account.clone(),
                account_name: org.account(&c.account).map(|a| a.name.clone()).unwrap_or_default(),
                cases: 0,
                open: 0,
                by_severity: zero(),
            });
            a.cases += 1;
            a.open += u64::from(open(c));
            *a.by_severity.entry(c.severity.clone()).or_default() += 1;
        }
        ConsoleTruth {
            total: cases.len() as u64,
            open: cases.values().filter(|c| open(c)).count() as u64,
            by_severity,
            accounts: accounts.into_values().collect(),
            markup_subject: MARKUP_SUBJECT.to_owned(),
            markup_case_id: String::new(),
            timeline_case_id: String::new(),
            timeline_subject: String::new(),
            timeline_events: 0,
            question: CHAT_QUESTION.to_owned(),
            running_instances: 0,
        }
    }
}

/// The running stack. Dropping it stops everything it started, the page first and the local
/// AWS last (fields drop in declaration order).
#[derive(Debug)]
pub struct LocalConsole {
    pub front: ConsoleFront,
    pipeline: LocalPipeline,
    pub truth: ConsoleTruth,
    pub org: SeededOrg,
    pub aws: LocalAws,
}

impl LocalConsole {
    /// Builds the stack; `progress` hears one line per step (the command prints them to stderr).
    pub fn start(spec: &ConsoleSpec, bin: &ConsoleBinaries, progress: &dyn Fn(&str)) -> Result<LocalConsole> {
        let days = spec.backfill_days.min(MAX_BACKFILL_DAYS);
        progress("starting the local AWS (moto server on 127.0.0.1)");
        let aws = LocalAws::start()?;
        let org = aws.seed_org(&OrgSpec { accounts: spec.accounts, seed: spec.seed, suspended: 0 })?;
        let members: Vec<String> = org.members().map(|a| a.id.clone()).collect();
        let seeded = aws.seed_cases(&CaseSpec {
            seed: spec.seed,
            per_account: spec.per_account,
            accounts: Some(members.clone()),
            // The pipeline's reader roles are the provider's; this one serves the seeding tool.
            role_name: Some(READER_ROLE_FOR_SEEDING.into()),
            skip_role: Vec::new(),
        })?;
        let resources = seed_resources(&aws, &ResourceSpec { seed: spec.seed, ..ResourceSpec::default() })?;
        aws.queue_cost_and_usage(&demo_spend(&members))?;
        progress(&format!(
            "seeded organization {} with {} members and {} Support cases",
            org.organization_id,
            members.len(),
            seeded.cases().count()
        ));

        progress(&format!("wiring the pipeline with terraform apply; each linked account asks for {days} days"));
        let before = SystemTime::now();
        let pipeline = LocalPipeline::start(
            &aws,
            &PipelineSpec {
                provider: &bin.provider,
                provider_source: &bin.provider_source,
                enricher: &bin.enricher,
                central_account: &org.management_account_id,
                organization_id: &org.organization_id,
                members: &members,
                backfill_days: days,
            },
        )?;
        let after = SystemTime::now();
        let mut cases = backfilled(&seeded, days, before, after)?;
        let expected: BTreeMap<String, u64> = cases.keys().map(|id| (id.clone(), 1)).collect();
        let stored = wait_for_store(&aws, &pipeline, &expected)?;
        progress(&format!("backfill stored: {} cases in {} objects", cases.len(), stored));

        // Live changes, after the backfill so its events come first in each timeline.
        let member = members.first().ok_or_else(|| stack_error("the organization has no member account"))?;
        let markup = aws.call(
            "support",
            "create_case",
            &json!({"subject": MARKUP_SUBJECT, "communicationBody": "Seen in the console as text, never as markup.",
                    "serviceCode": "amazon-relational-database-service", "categoryCode": "instance-issue",
                    "severityCode": "urgent"}),
            Some(member),
        )?;
        let markup_id = string(&markup, "caseId", "CreateCase")?;
        cases.insert(
            markup_id.clone(),
            TruthCase {
                account: member.clone(),
                subject: MARKUP_SUBJECT.into(),
                severity: "urgent".into(),
                status: "opened".into(),
            },
        );
        let (timeline_id, timeline_case) = cases
            .iter()
            .find(|(id, c)| c.status != "resolved" && **id != markup_id)
            .map(|(id, c)| (id.clone(), c.clone()))
            .ok_or_else(|| stack_error("no open backfilled case to answer and resolve"))?;
        aws.control(
            "/_localaws/support/communication",
            &json!({"account_id": timeline_case.account, "case_id": timeline_id,
                    "body": "We found the cause and applied a fix; please confirm."}),
        )?;
        // The enricher reads the case when the reply's event reaches it: resolving before that
        // would make both records show the resolved case, and the reply no change of its own.
        // People answer and resolve minutes apart; the stack waits for the reply's record.
        let mut expected = expected;
        expected.insert(timeline_id.clone(), 2);
        wait_for_store(&aws, &pipeline, &expected)?;
        // Records are ordered by EventBridge's `time`, which has whole seconds: the resolution
        // must not share the reply's second, or the tie would be broken by event id (at random).
        // The reply's record is stored, so its second is over once the clock turns.
        let into_second = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
        std::thread::sleep(Duration::from_nanos(1_000_000_000 - u64::from(into_second)));
        aws.call("support", "resolve_case", &json!({"caseId": timeline_id}), Some(&timeline_case.account))?;
        if let Some(c) = cases.get_mut(&timeline_id) {
            c.status = "resolved".into();
        }
        expected.insert(markup_id.clone(), 1);
        expected.insert(timeline_id.clone(), 3);
        wait_for_store(&aws, &pipeline, &expected)?;
        progress("live changes stored: a new case, an AWS reply, a resolution");

        progress("inventory by cima_org_query; Glue tables and the Athena workgroup as storage.tf declares them");
        pipeline.workspace.write("inventory.tf", &inventory_config(&pipeline.bucket))?;
        pipeline.workspace.apply()?;
        create_central_store(&aws, &pipeline.bucket)?;
        aws.call(
            "dynamodb",
            "create_table",
            &json!({"TableName": HISTORY_TABLE, "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "userId", "AttributeType": "S"},
                                             {"AttributeName": "timestamp", "AttributeType": "N"}],
                    "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"},
                                  {"AttributeName": "timestamp", "KeyType": "RANGE"}]}),
            None,
        )?;

        progress("console-api and chat-query under the Runtime API emulator, behind the HTTP API");
        let front = ConsoleFront::start(
            &aws,
            &FrontSpec {
                port: spec.port,
                password: format!("Cima-{}-local!", spec.seed),
                account_id: org.management_account_id.clone(),
                console_api: &bin.console_api,
                chat_query: Some(&bin.chat_query),
                cache_ttl_seconds: 60,
            },
        )?;

        let mut truth = ConsoleTruth::from_cases(&cases, &org);
        truth.markup_case_id = markup_id;
        truth.timeline_case_id = timeline_id;
        truth.timeline_subject = timeline_case.subject.clone();
        truth.timeline_events = 3;
        truth.running_instances = running_instances(&resources);
        Ok(LocalConsole { front, pipeline, truth, org, aws })
    }

    /// The page's URL (ends with `/`).
    pub fn page_url(&self) -> String {
        self.front.page_url()
    }

    pub fn api_url(&self) -> String {
        self.front.api_url()
    }

    pub fn user(&self) -> &ConsoleUser {
        &self.front.user
    }

    /// A fresh ID token of the demo user.
    pub fn id_token(&self) -> Result<String> {
        self.front.id_token(&self.aws)
    }

    /// The functions', the emulator's and the enricher's logs so far, for a failure report.
    pub fn logs(&mut self) -> String {
        format!("{}--- enricher ---\n{}\n", self.front.logs(), self.pipeline.enricher_logs())
    }
}

/// What [`ConsoleFront::start`] serves.
#[derive(Debug)]
pub struct FrontSpec<'a> {
    /// The page's port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// The demo user's password.
    pub password: String,
    /// The account the API reports itself in.
    pub account_id: String,
    pub console_api: &'a LambdaFunction,
    /// Without it, `POST /query` and `GET /history` are not routed.
    pub chat_query: Option<&'a LambdaFunction>,
    /// console-api's `CACHE_TTL_SECONDS`.
    pub cache_ttl_seconds: u32,
}

/// The console's front over a local AWS that already holds the store (the Glue tables and the
/// workgroup of [`central_store`], and chat-query's history table when it runs): a user pool
/// with the demo user, the functions under the Runtime API emulator behind an [`HttpApi`] with
/// the pool's JWT authorizer and CORS for the page's origin only, and the page with its
/// `config.json`. Dropping it stops the page, the API, the functions and the emulator.
#[derive(Debug)]
pub struct ConsoleFront {
    site: StaticSite,
    api: HttpApi,
    functions: Vec<(String, RunningFunction)>,
    emulator: Arc<LambdaEmulator>,
    pub user: ConsoleUser,
    pub pool: UserPool,
}

impl ConsoleFront {
    pub fn start(aws: &LocalAws, spec: &FrontSpec<'_>) -> Result<ConsoleFront> {
        // The page's address first: the user pool's callback and the API's CORS name it.
        let port = match spec.port {
            Some(p) => p,
            None => free_port()?,
        };
        let page = format!("http://127.0.0.1:{port}/");
        let origin = format!("http://127.0.0.1:{port}");
        let pool = aws.create_user_pool(&UserPoolSpec {
            name: "cima-console".into(),
            callback_urls: vec![page.clone()],
            logout_urls: vec![page.clone()],
        })?;
        let CognitoUser { username, sub } =
            aws.create_user(&pool, CONSOLE_USER, &spec.password, &[("email", "oncall@example.com")])?;

        let emulator = Arc::new(LambdaEmulator::start()?);
        let common = [
            ("AWS_ACCESS_KEY_ID", TEST_KEY),
            ("AWS_SECRET_ACCESS_KEY", TEST_KEY),
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL", aws.endpoint()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("RUST_LOG", "info"),
        ];
        let ttl = spec.cache_ttl_seconds.to_string();
        let console_env = [
            ("ATHENA_WORKGROUP", central_store::WORKGROUP),
            ("GLUE_DATABASE", central_store::DATABASE),
            ("CASES_TABLE", central_store::CASES_TABLE),
            ("ACCOUNTS_TABLE", central_store::ACCOUNTS_TABLE),
            ("CACHE_TTL_SECONDS", ttl.as_str()),
        ];
        let mut functions = vec![(
            CONSOLE_API.to_owned(),
            emulator.run(spec.console_api, CONSOLE_API, &[&common[..], &console_env[..]].concat())?,
        )];
        let mut api = HttpApi::builder()
            .route("GET /cases/summary", CONSOLE_API)
            .route("GET /cases", CONSOLE_API)
            .route("GET /cases/{caseId}", CONSOLE_API);
        if let Some(chat_query) = spec.chat_query {
            let chat_env = [("HISTORY_TABLE_NAME", HISTORY_TABLE), ("CORS_ALLOWED_ORIGINS", origin.as_str())];
            functions.push((
                CHAT_QUERY.to_owned(),
                emulator.run(chat_query, CHAT_QUERY, &[&common[..], &chat_env[..]].concat())?,
            ));
            api = api.route("POST /query", CHAT_QUERY).route("GET /history", CHAT_QUERY);
        }
        let api = api
            .authorizer(pool.authorizer())
            .cors(Cors::allowing([origin.clone()]))
            .account_id(&spec.account_id)
            .start(emulator.clone())?;

        let config = json!({
            "api_base_url": api.base_url(),
            "cognito_domain": aws.endpoint(),
            "client_id": pool.client_id,
            "redirect_uri": page,
            "logout_uri": page,
            "region": REGION,
        });
        let site = StaticSite::builder()
            .root(crate::repo_root().join("web"))
            .file("config.json", config.to_string().into_bytes())
            .connect_src([api.base_url(), aws.endpoint().to_owned()])
            .form_action([aws.endpoint().to_owned()])
            .port(port)
            .start()?;
        Ok(ConsoleFront {
            site,
            api,
            functions,
            emulator,
            user: ConsoleUser { username, password: spec.password.clone(), sub },
            pool,
        })
    }

    /// The page's URL (ends with `/`).
    pub fn page_url(&self) -> String {
        format!("{}/", self.site.base_url())
    }

    pub fn api_url(&self) -> String {
        self.api.base_url()
    }

    /// A fresh ID token of the demo user.
    pub fn id_token(&self, aws: &LocalAws) -> Result<String> {
        Ok(aws.sign_in(&self.pool, &self.user.username, &self.user.password)?.id_token)
    }

    /// The process of the function `name` (`console-api`, `chat-query`), e.g. for its peak RSS.
    pub fn function_pid(&self, name: &str) -> Option<u32> {
        self.functions.iter().find(|(n, _)| n == name).map(|(_, f)| f.pid())
    }

    /// The functions' and the emulator's logs so far.
    pub fn logs(&mut self) -> String {
        let mut out = String::new();
        for (name, f) in &mut self.functions {
            let running = f.is_running();
            out.push_str(&format!("--- {name} (running: {running}) ---\n{}\n", f.logs()));
        }
        out.push_str(&format!("--- emulator ---\n{}\n", self.emulator.logs()));
        out
    }
}

/// The seeded cases a backfill of `days` asked for between `before` and `after` stores: those
/// created since `now - days`. A case created between the two possible cut-offs cannot be
/// placed, so the stack refuses to start rather than guess (with a few minutes in 400 days,
/// rare; another seed avoids it).
fn backfilled(
    seeded: &SeededCases,
    days: u32,
    before: SystemTime,
    after: SystemTime,
) -> Result<BTreeMap<String, TruthCase>> {
    let span = Duration::from_secs(u64::from(days) * 86_400);
    let earliest = crate::time::iso_millis(before - span);
    let latest = crate::time::iso_millis(after - span);
    let mut out = BTreeMap::new();
    for c in seeded.cases() {
        if c.time_created >= earliest && c.time_created <= latest {
            return Err(stack_error(&format!(
                "case {} was created at {}, on the backfill's edge ({earliest} .. {latest}): use another seed",
                c.case_id, c.time_created
            )));
        }
        if c.time_created > latest {
            out.insert(
                c.case_id.clone(),
                TruthCase {
                    account: c.account_id.clone(),
                    subject: c.subject.clone(),
                    severity: c.severity_code.clone(),
                    status: c.status.clone(),
                },
            );
        }
    }
    Ok(out)
}

/// Waits (bounded) until the store holds at least `expected` events of each case; returns the
/// number of objects read.
fn wait_for_store(aws: &LocalAws, pipeline: &LocalPipeline, expected: &BTreeMap<String, u64>) -> Result<usize> {
    let deadline = Instant::now() + STORE_WAIT;
    loop {
        // Lets queued deliveries finish first; bounded by the extension.
        aws.target_deliveries(Duration::from_secs(10))?;
        let objects = aws.get_objects(&pipeline.bucket, STORE_PREFIX)?;
        let mut seen: BTreeMap<String, u64> = BTreeMap::new();
        for line in objects.values().flat_map(|body| body.lines()) {
            if let Ok(event) = serde_json::from_str::<Value>(line)
                && let Some(id) = event["detail"]["caseId"].as_str()
            {
                *seen.entry(id.to_owned()).or_default() += 1;
            }
        }
        let missing: BTreeSet<&String> =
            expected.iter().filter(|(id, n)| seen.get(*id).copied().unwrap_or(0) < **n).map(|(id, _)| id).collect();
        if missing.is_empty() {
            return Ok(objects.len());
        }
        if Instant::now() >= deadline {
            return Err(stack_error(&format!(
                "after {} s the store still lacks events of {} case(s), e.g. {:?}; deliveries: {}\n--- enricher ---\n{}",
                STORE_WAIT.as_secs(),
                missing.len(),
                missing.iter().take(3).collect::<Vec<_>>(),
                aws.target_deliveries(Duration::from_secs(1)).unwrap_or_default(),
                pipeline.enricher_logs()
            )));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The `cima_org_query` resource writing the inventory where the accountsinfo table reads it.
fn inventory_config(bucket: &str) -> String {
    format!(
        r#"resource "cima_org_query" "inventory" {{
  statuses = ["ACTIVE"]

  destination {{
    bucket  = "{bucket}"
    key     = "{}/accounts.csv"
    tag_key = "env"
  }}
}}
"#,
        central_store::INVENTORY_PATH
    )
}

/// The Glue database, both tables and the Athena workgroup of `modules/cima-central`
/// (storage.tf), over `bucket`.
pub fn create_central_store(aws: &LocalAws, bucket: &str) -> Result<()> {
    use central_store::*;
    let data = format!("s3://{bucket}/{DATA_PREFIX}/");
    let text = |name: &str| json!({"Name": name, "Type": "string"});
    aws.call("glue", "create_database", &json!({"DatabaseInput": {"Name": DATABASE}}), None)?;
    let events = json!({
        "Name": CASES_TABLE,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "EXTERNAL": "TRUE",
            "classification": "json",
            "projection.enabled": "true",
            "projection.date_created.type": "date",
            "projection.date_created.format": "yyyy/MM/dd",
            "projection.date_created.interval": "1",
            "projection.date_created.interval.unit": "DAYS",
            "projection.date_created.range": "2021/01/01,NOW",
            "projection.source_partition.type": "enum",
            "projection.source_partition.values": STORE_PREFIX.trim_start_matches(&format!("{DATA_PREFIX}/")).trim_end_matches('/'),
            "storage.location.template": format!("{data}${{source_partition}}/${{date_created}}/"),
        },
        "PartitionKeys": [text("date_created"), text("source_partition")],
        "StorageDescriptor": {
            "Location": data,
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "Compressed": false,
            "SerdeInfo": {
                "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
                "Parameters": {"paths": "account,detail,detail-type,id,region,resources,source,time,version"},
            },
            "Columns": [
                text("version"), text("id"), text("detail-type"), text("source"), text("account"), text("time"),
                text("region"), {"Name": "resources", "Type": "array<string>"}, {"Name": "detail", "Type": DETAIL_TYPE},
            ],
        },
    });
    aws.call("glue", "create_table", &json!({"DatabaseName": DATABASE, "TableInput": events}), None)?;
    let accounts = json!({
        "Name": ACCOUNTS_TABLE,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", "classification": "csv", "skip.header.line.count": "1"},
        "StorageDescriptor": {
            "Location": format!("s3://{bucket}/{INVENTORY_PATH}/"),
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                "Parameters": {"separatorChar": ",", "quoteChar": "\"", "escapeChar": "\\"},
            },
            "Columns": ACCOUNTS_COLUMNS.iter().map(|c| text(c)).collect::<Vec<_>>(),
        },
    });
    aws.call("glue", "create_table", &json!({"DatabaseName": DATABASE, "TableInput": accounts}), None)?;
    aws.call(
        "athena",
        "create_work_group",
        &json!({"Name": WORKGROUP, "Configuration": {
            "EnforceWorkGroupConfiguration": true,
            "ResultConfiguration": {"OutputLocation": format!("s3://{bucket}/{RESULTS_PREFIX}/")},
        }}),
        None,
    )?;
    Ok(())
}

fn running_instances(resources: &SeededResources) -> u64 {
    resources.accounts.iter().flat_map(|a| &a.ec2).filter(|i| i.state == "running" && i.region == REGION).count() as u64
}

/// A port no one listens on now (the page needs its address before it starts).
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|source| Error::Io { context: "cannot pick a free port".into(), source })?;
    listener.local_addr().map(|a| a.port()).map_err(|source| Error::Io { context: "local address".into(), source })
}

fn string(answer: &Value, key: &str, operation: &str) -> Result<String> {
    answer[key].as_str().map(str::to_owned).ok_or_else(|| stack_error(&format!("{operation} answered {answer}")))
}

fn stack_error(detail: &str) -> Error {
    Error::Console(detail.to_owned())
}

/// How many spend questions the demo answers: moto answers each distinct Cost Explorer request
/// with the next queued result, and keeps no costs of its own.
const DEMO_SPEND_ANSWERS: usize = 20;

/// Spend for the demo's chat: each member's cost per service, the same amounts for every
/// question (derived from the account id), grouped by account and service.
fn demo_spend(members: &[String]) -> Vec<serde_json::Value> {
    const SERVICES: [&str; 3] =
        ["Amazon Elastic Compute Cloud - Compute", "Amazon Simple Storage Service", "AWS Lambda"];
    let groups: Vec<serde_json::Value> = members
        .iter()
        .flat_map(|id| {
            let base: u64 = id.bytes().map(|b| u64::from(b - b'0')).sum();
            SERVICES.iter().enumerate().map(move |(n, service)| {
                let amount = format!("{}.{:02}", base * (9 - 3 * n as u64), (base * 7 + n as u64) % 100);
                serde_json::json!({"Keys": [id, service], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}})
            })
        })
        .collect();
    let result = serde_json::json!({"ResultsByTime": [{"Groups": groups, "Estimated": false}]});
    vec![result; DEMO_SPEND_ANSWERS]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_definitions_are_storage_tf_s() {
        let storage =
            std::fs::read_to_string(crate::repo_root().join("modules/cima-central/storage.tf")).expect("storage.tf");
        assert!(storage.contains(central_store::DETAIL_TYPE), "the detail type differs from storage.tf's");
        let columns = central_store::ACCOUNTS_COLUMNS.map(|c| format!("\"{c}\"")).join(", ");
        assert!(storage.contains(&format!("accountsinfo_columns = [{columns}]")), "accountsinfo columns differ");
        let main = std::fs::read_to_string(crate::repo_root().join("modules/cima-central/main.tf")).expect("main.tf");
        for (name, value) in [
            ("data_prefix", central_store::DATA_PREFIX),
            ("inventory_path", central_store::INVENTORY_PATH),
            ("results_prefix", central_store::RESULTS_PREFIX),
        ] {
            assert!(
                main.lines().any(|l| l.trim().starts_with(name) && l.contains(&format!("\"{value}\""))),
                "{name} differs from main.tf's"
            );
        }
        let variables = std::fs::read_to_string(crate::repo_root().join("modules/cima-central/variables.tf"))
            .expect("variables.tf");
        assert!(variables.contains(&format!("default     = \"{}\"", central_store::DATABASE)));
    }
}
