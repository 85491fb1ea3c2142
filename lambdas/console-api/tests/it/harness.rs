//! A local AWS holding the central store as cima-central defines it (the data bucket, the Glue
//! database with `supportcaseevents` and `accountsinfo` as storage.tf declares them, an Athena
//! workgroup whose results go to the bucket), hand-made events under the Firehose layout, and the
//! app configured against it.

use std::collections::BTreeMap;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_sdk_athena::types::{ResultConfiguration, WorkGroupConfiguration};
use aws_sdk_glue::types::{Column, DatabaseInput, SerDeInfo, StorageDescriptor, TableInput};
use aws_types::SdkConfig;
use aws_types::region::Region;
use cima_core::enrich::EnrichedCase;
use cima_core::org::Account;
use cima_testkit::{LocalAws, REGION, TEST_KEY};
use console_api::config::Config;
use console_api::{App, HttpResponse, handle};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

pub const BUCKET: &str = "cima-data-123456789012-us-east-1";
pub const DATABASE: &str = "heididatacollectiondb";
pub const WORKGROUP: &str = "cima";
pub const SOURCE: &str = "heidi.support";
pub const DATA_PREFIX: &str = "DataCollection-data";
pub const INVENTORY_KEY: &str = "DataCollection-metadata/ReferenceOds/AccountsInfo/accounts.csv";
pub const RESULTS_PREFIX: &str = "athena-results";

/// What the app takes as "now" in these tests.
pub const NOW: OffsetDateTime = datetime!(2025-03-10 12:00:00 UTC);

/// The Hive type of the enriched detail, exactly as storage.tf declares it.
const DETAIL_TYPE: &str = "struct<caseid:string,displayid:string,subject:string,status:string,servicecode:string,\
     categorycode:string,severitycode:string,submittedby:string,timecreated:string,\
     ccemailaddresses:array<string>,language:string,submittedrole:string,\
     lastcommunicationtime:string,firstresponsetime:string,accountname:string>";

pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(TEST_KEY, TEST_KEY, None, None, "localaws"))
        .load()
        .await
}

pub struct Store {
    pub aws: LocalAws,
    pub sdk: SdkConfig,
}

impl Store {
    /// A fresh server with the bucket, the catalog and the workgroup; no data yet.
    pub async fn start() -> Store {
        let aws = LocalAws::start().expect("local AWS starts (run `cargo xtask setup` once)");
        let sdk = sdk_config(aws.endpoint()).await;
        let s3 = aws_sdk_s3::Client::new(&sdk);
        s3.create_bucket().bucket(BUCKET).send().await.expect("data bucket");
        create_tables(&aws_sdk_glue::Client::new(&sdk)).await;
        aws_sdk_athena::Client::new(&sdk)
            .create_work_group()
            .name(WORKGROUP)
            .configuration(
                WorkGroupConfiguration::builder()
                    .enforce_work_group_configuration(true)
                    .result_configuration(
                        ResultConfiguration::builder()
                            .output_location(format!("s3://{BUCKET}/{RESULTS_PREFIX}/"))
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("workgroup");
        Store { aws, sdk }
    }

    pub async fn put(&self, key: &str, body: String) {
        aws_sdk_s3::Client::new(&self.sdk)
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(body.into_bytes().into())
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
    }

    /// Each event as one JSON line in an object of its `date_created` partition (the day of
    /// `written`, as Firehose's prefix), several events of a day in one object.
    pub async fn put_events(&self, events: &[Event]) {
        let mut by_day: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in events {
            let day = &e.written[..10];
            by_day.entry(day.replace('-', "/")).or_default().push(e.line());
        }
        for (day, lines) in by_day {
            let key = format!("{DATA_PREFIX}/{SOURCE}/{day}/cima-events-1-{}-x", day.replace('/', "-"));
            self.put(&key, lines.join("\n") + "\n").await;
        }
    }

    /// The inventory as `cima_org_query` writes it, each account labelled by its tag `tag_key`.
    pub async fn put_accounts(&self, accounts: &[Account], tag_key: Option<&str>) {
        let body = cima_core::org::export::render(accounts, cima_core::org::export::Format::Csv, tag_key);
        self.put(INVENTORY_KEY, body).await;
    }

    /// The app as `main` builds it, from the module's environment plus `env`, "now" pinned.
    pub fn app(&self, env: &[(&str, &str)]) -> App {
        let mut vars: Vec<(String, String)> =
            vec![("ATHENA_WORKGROUP".into(), WORKGROUP.into()), ("GLUE_DATABASE".into(), DATABASE.into())];
        vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let config = Config::from_env(|name| vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("config");
        App::new(config, &self.sdk).with_clock(|| NOW)
    }

    /// Every query Athena ran in the workgroup: its parameters, and the server's account of it
    /// (`objects_read`, `state`).
    pub async fn executions(&self) -> Vec<(Vec<String>, Value)> {
        let athena = aws_sdk_athena::Client::new(&self.sdk);
        let ids = athena
            .list_query_executions()
            .work_group(WORKGROUP)
            .send()
            .await
            .expect("ListQueryExecutions")
            .query_execution_ids
            .unwrap_or_default();
        let mut out = Vec::new();
        for id in ids {
            let info = self
                .aws
                .control("/_localaws/athena/execution", &json!({"query_execution_id": id, "wait": 30}))
                .expect("execution info");
            let params = athena
                .get_query_execution()
                .query_execution_id(&id)
                .send()
                .await
                .expect("GetQueryExecution")
                .query_execution
                .and_then(|q| q.execution_parameters)
                .unwrap_or_default();
            out.push((params, info));
        }
        out
    }
}

async fn create_tables(glue: &aws_sdk_glue::Client) {
    let column = |name: &str, t: &str| Column::builder().name(name).r#type(t).build().expect("column");
    glue.create_database()
        .database_input(DatabaseInput::builder().name(DATABASE).build().expect("database"))
        .send()
        .await
        .expect("database");
    let data = format!("s3://{BUCKET}/{DATA_PREFIX}/");
    let events = TableInput::builder()
        .name("supportcaseevents")
        .table_type("EXTERNAL_TABLE")
        .set_parameters(Some(
            [
                ("EXTERNAL", "TRUE"),
                ("classification", "json"),
                ("projection.enabled", "true"),
                ("projection.date_created.type", "date"),
                ("projection.date_created.format", "yyyy/MM/dd"),
                ("projection.date_created.interval", "1"),
                ("projection.date_created.interval.unit", "DAYS"),
                ("projection.date_created.range", "2021/01/01,NOW"),
                ("projection.source_partition.type", "enum"),
                ("projection.source_partition.values", SOURCE),
                ("storage.location.template", &format!("{data}${{source_partition}}/${{date_created}}/")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        ))
        .partition_keys(column("date_created", "string"))
        .partition_keys(column("source_partition", "string"))
        .storage_descriptor(
            StorageDescriptor::builder()
                .location(&data)
                .input_format("org.apache.hadoop.mapred.TextInputFormat")
                .output_format("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
                .compressed(false)
                .serde_info(
                    SerDeInfo::builder()
                        .serialization_library("org.openx.data.jsonserde.JsonSerDe")
                        .parameters("paths", "account,detail,detail-type,id,region,resources,source,time,version")
                        .build(),
                )
                .set_columns(Some(vec![
                    column("version", "string"),
                    column("id", "string"),
                    column("detail-type", "string"),
                    column("source", "string"),
                    column("account", "string"),
                    column("time", "string"),
                    column("region", "string"),
                    column("resources", "array<string>"),
                    column("detail", DETAIL_TYPE),
                ]))
                .build(),
        )
        .build()
        .expect("supportcaseevents");
    glue.create_table().database_name(DATABASE).table_input(events).send().await.expect("supportcaseevents");
    let accounts = TableInput::builder()
        .name("accountsinfo")
        .table_type("EXTERNAL_TABLE")
        .parameters("EXTERNAL", "TRUE")
        .parameters("classification", "csv")
        .parameters("skip.header.line.count", "1")
        .storage_descriptor(
            StorageDescriptor::builder()
                .location(format!("s3://{BUCKET}/DataCollection-metadata/ReferenceOds/AccountsInfo/"))
                .input_format("org.apache.hadoop.mapred.TextInputFormat")
                .output_format("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
                .serde_info(
                    SerDeInfo::builder()
                        .serialization_library("org.apache.hadoop.hive.serde2.OpenCSVSerde")
                        .parameters("separatorChar", ",")
                        .parameters("quoteChar", "\"")
                        .parameters("escapeChar", "\\")
                        .build(),
                )
                .set_columns(Some(cima_core::org::export::CSV_COLUMNS.iter().map(|c| column(c, "string")).collect()))
                .build(),
        )
        .build()
        .expect("accountsinfo");
    glue.create_table().database_name(DATABASE).table_input(accounts).send().await.expect("accountsinfo");
}

/// One enriched event as the pipeline stores it.
#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    /// The envelope's time, which is also the day Firehose files it under.
    pub written: String,
    pub account: String,
    pub detail: EnrichedCase,
}

impl Event {
    /// The EventBridge envelope around the detail, one line of JSON.
    pub fn line(&self) -> String {
        json!({
            "version": "0", "id": self.id, "detail-type": SOURCE, "source": SOURCE,
            "account": self.account, "time": self.written, "region": REGION, "resources": [],
            "detail": self.detail,
        })
        .to_string()
    }
}

pub fn account(id: &str, name: &str, ou_path: &str, tags: &[(&str, &str)]) -> Account {
    Account {
        id: id.into(),
        arn: format!("arn:aws:organizations::123456789012:account/o-exampleorg1/{id}"),
        name: name.into(),
        email: format!("aws+{id}@example.com"),
        status: "ACTIVE".into(),
        joined_method: "CREATED".into(),
        joined_timestamp: "2024-01-01T00:00:00Z".into(),
        parent_id: "r-ab12".into(),
        ou_path: ou_path.into(),
        tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

/// A request as API Gateway (HTTP API, payload 2.0, JWT authorizer) hands it to the function.
pub fn request(method: &str, path: &str, query: &str, sub: Option<&str>) -> ApiGatewayV2httpRequest {
    let mut context = json!({
        "accountId": "123456789012", "apiId": "consoleapi", "stage": "$default", "requestId": "req-1",
        "routeKey": "$default", "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
    });
    if let Some(sub) = sub {
        context["authorizer"] = json!({"jwt": {"claims": {"sub": sub, "token_use": "id"}, "scopes": null}});
    }
    serde_json::from_value(json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": {"accept": "application/json"}, "requestContext": context, "isBase64Encoded": false,
    }))
    .expect("a payload 2.0 event")
}

pub async fn get(app: &App, path: &str, query: &str) -> HttpResponse {
    handle(app, request("GET", path, query, Some("console-user"))).await
}

/// `get`, asserting a 200, as JSON.
pub async fn ok(app: &App, path: &str, query: &str) -> Value {
    let r = get(app, path, query).await;
    assert_eq!(r.status_code, 200, "{path}?{query}: {}", r.body);
    r.body_json()
}
