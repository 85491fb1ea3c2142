//! A local AWS with the history table, apps configured against it, and request events.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use aws_types::SdkConfig;
use aws_types::region::Region;
use chat_query::config::Config;
use chat_query::{App, HttpResponse, handle};
use cima_testkit::{LocalAws, REGION, TEST_KEY};
use serde_json::{Value, json};

pub const TABLE: &str = "cima-chat-history";

/// SDK configuration for the management account of `endpoint`, nothing else reachable.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(TEST_KEY, TEST_KEY, None, None, "localaws"))
        .load()
        .await
}

pub struct Local {
    pub aws: LocalAws,
    pub sdk: SdkConfig,
}

impl Local {
    /// A fresh server with the history table (as the contract defines it) created.
    pub async fn start() -> Local {
        Self::with(LocalAws::start().expect("local AWS starts (run `cargo xtask setup` once)")).await
    }

    /// As [`Local::start`], in an organization whose management account is the caller's and which
    /// has one member: a question may name only the organization's accounts.
    pub async fn start_in_organization() -> Local {
        let local = Self::start().await;
        local.aws.seed_org(&cima_testkit::OrgSpec { accounts: 1, seed: 1, suspended: 0 }).expect("an organization");
        local
    }

    /// As [`Local::start`], the server logging every request to `log`.
    pub async fn start_logged(log: &std::path::Path) -> Local {
        let aws = LocalAws::start_with_request_log(&cima_testkit::repo_root(), log)
            .expect("local AWS starts (run `cargo xtask setup` once)");
        Self::with(aws).await
    }

    async fn with(aws: LocalAws) -> Local {
        let sdk = sdk_config(aws.endpoint()).await;
        let ddb = aws_sdk_dynamodb::Client::new(&sdk);
        let attr = |name: &str, t: ScalarAttributeType| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(t).build().expect("attribute")
        };
        let key =
            |name: &str, t: KeyType| KeySchemaElement::builder().attribute_name(name).key_type(t).build().expect("key");
        ddb.create_table()
            .table_name(TABLE)
            .attribute_definitions(attr("userId", ScalarAttributeType::S))
            .attribute_definitions(attr("timestamp", ScalarAttributeType::N))
            .key_schema(key("userId", KeyType::Hash))
            .key_schema(key("timestamp", KeyType::Range))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .expect("history table");
        Local { aws, sdk }
    }

    /// The app as `main` builds it, from these environment variables on top of the table name.
    pub async fn app(&self, env: &[(&str, &str)]) -> App {
        self.app_on(self.sdk.clone(), env).await
    }

    /// [`Local::app`] on another SDK configuration (another endpoint, `main`'s retry policy).
    pub async fn app_on(&self, sdk: SdkConfig, env: &[(&str, &str)]) -> App {
        let mut vars: Vec<(String, String)> =
            vec![("HISTORY_TABLE_NAME".into(), TABLE.into()), ("AWS_REGION".into(), REGION.into())];
        vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let config = Config::from_env(|name| vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .expect("config");
        App::new(config, sdk).await
    }
}

/// A request as API Gateway (HTTP API, payload 2.0, JWT authorizer) hands it to the function.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub body: Option<String>,
    pub sub: Option<String>,
    pub origin: Option<String>,
    pub query: Vec<(String, String)>,
    /// The `cognito:groups` claim as API Gateway passes it (`[a b]`).
    pub groups: Option<String>,
}

pub fn post_query(sub: &str, body: Value) -> Request {
    Request {
        method: "POST",
        path: "/query".into(),
        body: Some(body.to_string()),
        sub: Some(sub.into()),
        origin: None,
        query: Vec::new(),
        groups: None,
    }
}

pub fn get_history(sub: &str, limit: Option<&str>) -> Request {
    Request {
        method: "GET",
        path: "/history".into(),
        body: None,
        sub: Some(sub.into()),
        origin: None,
        query: limit.map(|l| vec![("limit".to_owned(), l.to_owned())]).unwrap_or_default(),
        groups: None,
    }
}

impl Request {
    pub fn event(&self) -> ApiGatewayV2httpRequest {
        static N: AtomicU64 = AtomicU64::new(0);
        let mut headers = json!({"content-type": "application/json", "user-agent": "chat-query-it"});
        if let Some(o) = &self.origin {
            headers["origin"] = json!(o);
        }
        let raw_query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let params: serde_json::Map<String, Value> = self.query.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let mut context = json!({
            "accountId": "123456789012", "apiId": "chatapi", "stage": "$default",
            "requestId": format!("req-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)),
            "routeKey": "$default", "time": "23/Nov/2026:18:30:00 +0000", "timeEpoch": 1795458600000i64,
            "http": {"method": self.method, "path": self.path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "chat-query-it"},
        });
        if let Some(sub) = &self.sub {
            context["authorizer"] = json!({"jwt": {"claims": {"sub": sub, "token_use": "access"}, "scopes": null}});
            if let Some(groups) = &self.groups {
                context["authorizer"]["jwt"]["claims"]["cognito:groups"] = json!(groups);
            }
        }
        let mut event = json!({
            "version": "2.0", "routeKey": "$default", "rawPath": self.path, "rawQueryString": raw_query.join("&"),
            "headers": headers, "requestContext": context, "isBase64Encoded": false,
        });
        if !params.is_empty() {
            event["queryStringParameters"] = Value::Object(params);
        }
        if let Some(b) = &self.body {
            event["body"] = json!(b);
        }
        serde_json::from_value(event).expect("a payload 2.0 event")
    }

    pub async fn send(&self, app: &App) -> HttpResponse {
        handle(app, self.event()).await
    }
}
