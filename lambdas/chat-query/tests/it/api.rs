//! The HTTP surface: authentication, validation, routing, CORS, history, the model fallback.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use chat_query::bedrock::BedrockModel;
use cima_testkit::{MANAGEMENT_ACCOUNT_ID, OrgSpec, ResourceSpec, seed_resources};
use serde_json::{Value, json};

use crate::harness::{Local, Request, TABLE, get_history, post_query, sdk_config};

fn field(body: &Value) -> &str {
    body["field"].as_str().unwrap_or("<no field>")
}

#[tokio::test]
async fn refuses_anonymous_malformed_and_unknown_requests() {
    let local = Local::start().await;
    let app = local.app(&[]).await;

    // No JWT claims: 401 on both routes, before the body is even read.
    for mut r in [post_query("x", json!({"query": "list buckets"})), get_history("x", None)] {
        r.sub = None;
        let resp = r.send(&app).await;
        assert_eq!(resp.status_code, 401, "{}", resp.body);
        assert_eq!(resp.body_json()["error"], "unauthorized");
    }
    let mut blank_sub = post_query(" ", json!({"query": "list buckets"}));
    blank_sub.sub = Some(" ".into());
    assert_eq!(blank_sub.send(&app).await.status_code, 401);

    // Unknown routes and methods: 404.
    for (method, path) in [("GET", "/query"), ("DELETE", "/history"), ("POST", "/nope"), ("PUT", "/")] {
        let r = Request { method, path: path.into(), ..post_query("u", json!({})) };
        let resp = r.send(&app).await;
        assert_eq!(resp.status_code, 404, "{method} {path}: {}", resp.body);
        assert!(resp.body_json()["message"].as_str().unwrap_or_default().contains(path));
    }

    // Malformed bodies and fields: 400 naming the field.
    let cases: Vec<(Option<&str>, &str)> = vec![
        (Some("{not json"), "body"),
        (Some("[\"list buckets\"]"), "body"),
        (None, "body"),
        (Some(r#"{"query": "list buckets", "user_id": "someone-else"}"#), "user_id"),
        (Some(r#"{"account_ids": ["123456789012"]}"#), "query"),
        (Some(r#"{"query": ["list"]}"#), "query"),
        (Some(r#"{"query": ""}"#), "query"),
        (Some(r#"{"query": "list buckets", "account_ids": ["12345678901x"]}"#), "account_ids[0]"),
        (Some(r#"{"query": "list buckets", "account_ids": {"id": "123456789012"}}"#), "account_ids"),
    ];
    for (body, want) in cases {
        let r = Request { body: body.map(str::to_owned), ..post_query("u", json!({})) };
        let resp = r.send(&app).await;
        assert_eq!(resp.status_code, 400, "{body:?}: {}", resp.body);
        assert_eq!(field(&resp.body_json()), want, "{body:?}: {}", resp.body);
    }
    let too_many: Vec<String> = (0..1001).map(|i| format!("{:012}", 100_000_000_000u64 + i)).collect();
    let resp = post_query("u", json!({"query": "list buckets", "account_ids": too_many})).send(&app).await;
    assert_eq!((resp.status_code, field(&resp.body_json())), (400, "account_ids"), "{}", resp.body);

    for limit in ["0", "101", "ten", "-1"] {
        let resp = get_history("u", Some(limit)).send(&app).await;
        assert_eq!((resp.status_code, field(&resp.body_json())), (400, "limit"), "limit {limit}: {}", resp.body);
    }
}

#[tokio::test]
async fn the_question_is_at_most_500_characters_and_a_failing_account_is_not_a_failure() {
    let local = Local::start_in_organization().await;
    let app = local.app(&[]).await;
    let question = |n: usize| {
        let base = "how many running ec2 instances ";
        format!("{base}{}", "x".repeat(n - base.len()))
    };
    // No read-only role here: the one account fails, the request does not.
    let ok = post_query("u", json!({"query": question(500), "account_ids": [MANAGEMENT_ACCOUNT_ID]})).send(&app).await;
    assert_eq!(ok.status_code, 200, "{}", ok.body);
    let body = ok.body_json();
    assert_eq!(body["account_errors"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["account_errors"][0]["account_id"], MANAGEMENT_ACCOUNT_ID);
    let message = body["account_errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("ChatSystemReadOnlyRole") && message.contains("AccessDenied"), "{message}");
    assert_eq!(body["results"], json!({}));
    assert!(
        body["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("0 running EC2 instances across 0 of 1 account; 1 account failed"),
        "{body}"
    );

    let too_long =
        post_query("u", json!({"query": question(501), "account_ids": [MANAGEMENT_ACCOUNT_ID]})).send(&app).await;
    assert_eq!(too_long.status_code, 400, "{}", too_long.body);
    assert_eq!(field(&too_long.body_json()), "query");
    assert!(too_long.body.contains("501"), "{}", too_long.body);
}

#[tokio::test]
async fn cors_headers_only_for_configured_origins() {
    let local = Local::start().await;
    let allowed = "https://chat.example.com";
    let app = local.app(&[("CORS_ALLOWED_ORIGINS", "https://chat.example.com,https://admin.example.com")]).await;
    let with_origin = |r: Request, o: &str| Request { origin: Some(o.into()), ..r };

    let resp = with_origin(get_history("u", None), allowed).send(&app).await;
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    assert_eq!(resp.headers.get("access-control-allow-origin").map(String::as_str), Some(allowed));
    assert_eq!(resp.headers.get("vary").map(String::as_str), Some("Origin"));

    for other in ["https://evil.example.com", "https://chat.example.com.evil.example", "null", "*"] {
        let resp = with_origin(get_history("u", None), other).send(&app).await;
        assert_eq!(resp.status_code, 200);
        assert!(!resp.headers.contains_key("access-control-allow-origin"), "{other}: {:?}", resp.headers);
    }
    // Error answers carry the header too, so the browser can show them.
    let mut anonymous = with_origin(get_history("u", None), allowed);
    anonymous.sub = None;
    let resp = anonymous.send(&app).await;
    assert_eq!(resp.status_code, 401);
    assert_eq!(resp.headers.get("access-control-allow-origin").map(String::as_str), Some(allowed));

    // Preflight: no JWT on OPTIONS (API Gateway sends it without the authorizer).
    let preflight =
        |o: &str| Request { method: "OPTIONS", sub: None, body: None, ..with_origin(post_query("u", json!({})), o) };
    let resp = preflight(allowed).send(&app).await;
    assert_eq!(resp.status_code, 204, "{}", resp.body);
    assert_eq!(resp.headers.get("access-control-allow-origin").map(String::as_str), Some(allowed));
    assert!(resp.headers.get("access-control-allow-methods").is_some_and(|m| m.contains("POST")));
    assert!(resp.headers.get("access-control-allow-headers").is_some_and(|h| h.contains("authorization")));
    let resp = preflight("https://evil.example.com").send(&app).await;
    assert_eq!(resp.status_code, 403);
    assert!(!resp.headers.contains_key("access-control-allow-origin"));
    assert!(resp.headers.values().all(|v| v != "*"));

    // No configured origins: no CORS headers at all.
    let plain = local.app(&[]).await;
    let resp = with_origin(get_history("u", None), allowed).send(&plain).await;
    assert!(!resp.headers.contains_key("access-control-allow-origin") && !resp.headers.contains_key("vary"));
}

async fn history_items(app: &chat_query::App, sub: &str, limit: Option<&str>) -> Vec<Value> {
    let resp = get_history(sub, limit).send(app).await;
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    resp.body_json()["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn history_is_per_user_newest_first_bounded_and_unexpired() {
    let local = Local::start_in_organization().await;
    let app = local.app(&[("HISTORY_TTL_DAYS", "30")]).await;
    let ask = |sub: &str, q: &str| post_query(sub, json!({"query": q, "account_ids": [MANAGEMENT_ACCOUNT_ID]}));

    let alice = ["list s3 buckets", "how many iam users", "list lambda functions"];
    for q in alice {
        let resp = ask("alice", q).send(&app).await;
        assert_eq!(resp.status_code, 200, "{}", resp.body);
        assert!(resp.body_json().get("warnings").is_none(), "{}", resp.body);
    }
    let bob = ask("bob", "list rds databases").send(&app).await;
    assert_eq!(bob.status_code, 200);
    let bob_query_id = bob.body_json()["query_id"].clone();

    // An entry of alice's that expired (DynamoDB deletes lazily), newer than all the others.
    let ddb = aws_sdk_dynamodb::Client::new(&local.sdk);
    let now = time::OffsetDateTime::now_utc();
    let n = |v: i64| AttributeValue::N(v.to_string());
    ddb.put_item()
        .table_name(TABLE)
        .item("userId", AttributeValue::S("alice".into()))
        .item("timestamp", n((now.unix_timestamp() + 3600) * 1000))
        .item("queryId", AttributeValue::S("expired-1".into()))
        .item("query", AttributeValue::S("an expired question".into()))
        .item("parsed", AttributeValue::S("{}".into()))
        .item("resultCount", n(0))
        .item("ttl", n(now.unix_timestamp() - 60))
        .send()
        .await
        .expect("expired entry");

    let items = history_items(&app, "alice", None).await;
    let queries: Vec<&str> = items.iter().map(|i| i["query"].as_str().unwrap_or_default()).collect();
    assert_eq!(queries, ["list lambda functions", "how many iam users", "list s3 buckets"], "{items:?}");
    let stamps: Vec<i64> = items.iter().map(|i| i["timestamp"].as_i64().unwrap_or_default()).collect();
    assert!(stamps.windows(2).all(|w| w[0] > w[1]), "newest first: {stamps:?}");
    assert_eq!(items[1]["parsed"]["intent"], "count");
    assert_eq!(items[1]["parsed"]["services"], json!(["iam"]));

    let limited = history_items(&app, "alice", Some("2")).await;
    assert_eq!(
        limited.iter().map(|i| i["query"].clone()).collect::<Vec<_>>(),
        [json!("list lambda functions"), json!("how many iam users")]
    );

    let bobs = history_items(&app, "bob", Some("100")).await;
    assert_eq!(bobs.len(), 1, "{bobs:?}");
    assert_eq!(bobs[0]["query_id"], bob_query_id);
    assert!(history_items(&app, "carol", None).await.is_empty());

    // What was stored: the caller's sub, epoch milliseconds, and a TTL 30 days out.
    let stored = ddb
        .query()
        .table_name(TABLE)
        .key_condition_expression("userId = :u")
        .expression_attribute_values(":u", AttributeValue::S("bob".into()))
        .send()
        .await
        .expect("query");
    let item = &stored.items()[0];
    let num = |k: &str| item[k].as_n().ok().and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    assert!((num("timestamp") / 1000 - now.unix_timestamp()).abs() < 600, "timestamp in ms: {}", num("timestamp"));
    let ttl_days = (num("ttl") - now.unix_timestamp()) as f64 / 86_400.0;
    assert!((29.9..=30.1).contains(&ttl_days), "ttl {ttl_days} days out");
    assert_eq!(item["query"].as_s().ok().map(String::as_str), Some("list rds databases"));
}

#[tokio::test]
async fn an_unusable_model_falls_back_to_the_deterministic_parser() {
    let local = Local::start_in_organization().await;
    let question =
        json!({"query": "how many running ec2 instances in eu-west-1", "account_ids": [MANAGEMENT_ACCOUNT_ID]});

    // 1. The model id is set and Bedrock is "reached" at the local server, which does not speak it.
    let app = local.app(&[("BEDROCK_MODEL_ID", "anthropic.claude-3-haiku-20240307-v1:0")]).await;
    assert!(app.config().bedrock_model_id.is_some());
    let resp = post_query("u", question.clone()).send(&app).await;
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    let parsed = &resp.body_json()["parsed"];
    assert_eq!(parsed["source"], "deterministic", "{parsed}");
    assert_eq!((parsed["intent"].as_str(), parsed["filters"]["region"].as_str()), (Some("count"), Some("eu-west-1")));
    assert!(parsed["notes"].to_string().contains("model not used (Converse failed"), "{parsed}");

    // 2. A Bedrock endpoint that accepts the connection and never answers: bounded by the timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let endpoint = format!("http://{}", silent.local_addr().expect("addr"));
    let bedrock = aws_sdk_bedrockruntime::Client::new(&sdk_config(&endpoint).await);
    let model = BedrockModel::new(bedrock, "anthropic.claude-3-haiku-20240307-v1:0", Duration::from_millis(400));
    let app = local.app(&[]).await.with_model(Some(Box::new(model)));
    let started = Instant::now();
    let resp = post_query("u", question).send(&app).await;
    let took = started.elapsed();
    drop(silent);
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    let parsed = &resp.body_json()["parsed"];
    assert_eq!(parsed["source"], "deterministic");
    assert!(parsed["notes"].to_string().contains("no answer within 400 ms"), "{parsed}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[tokio::test]
async fn questions_see_only_the_organizations_accounts_in_the_callers_ous() {
    let local = Local::start().await;
    let org = local.aws.seed_org(&OrgSpec { accounts: 8, seed: 3, suspended: 0 }).expect("org");
    seed_resources(&local.aws, &ResourceSpec { seed: 3, ..ResourceSpec::default() }).expect("resources");
    // The OU of the first member below the root, and every account under it.
    let ou = org.accounts.iter().map(|a| a.ou_path.clone()).find(|p| p != "/").expect("a member in an OU");
    let under = |p: &str| p == ou || p.starts_with(&format!("{ou}/"));
    let mine: Vec<String> = org.accounts.iter().filter(|a| under(&a.ou_path)).map(|a| a.id.clone()).collect();
    let other = org.accounts.iter().find(|a| !under(&a.ou_path)).expect("an account elsewhere").id.clone();
    let mapping = json!({ "team": [ou] }).to_string();
    let app = local.app(&[("GROUP_OUS", mapping.as_str()), ("MAX_ACCOUNTS_PER_REQUEST", "2")]).await;
    let ask = |body: Value, groups: &str| Request { groups: Some(groups.into()), ..post_query("auditor", body) };

    // Only the organization's accounts, named.
    let resp =
        ask(json!({"query": "list buckets", "account_ids": ["999999999999", mine[0]]}), "[team]").send(&app).await;
    assert_eq!((resp.status_code, field(&resp.body_json())), (400, "account_ids"), "{}", resp.body);
    let message = resp.body_json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("999999999999") && !message.contains(&mine[0]), "{message}");
    // At most the cap.
    let three = json!({"query": "list buckets", "account_ids": ["111111111111", "222222222222", "333333333333"]});
    let resp = ask(three, "[team]").send(&app).await;
    assert_eq!((resp.status_code, field(&resp.body_json())), (400, "account_ids"), "{}", resp.body);

    // The caller's OUs only: every account under them and no other.
    let resp = ask(json!({"query": "how many buckets"}), "[team]").send(&app).await;
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    let body = resp.body_json();
    assert_eq!(body["accounts"]["queried"], mine.len(), "{body}");
    let read: Vec<String> = body["results"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    assert!(read.iter().all(|a| mine.contains(a)), "{read:?} not all under {ou}: {mine:?}");
    let resp = ask(json!({"query": "list buckets", "account_ids": [other]}), "[team]").send(&app).await;
    assert_eq!((resp.status_code, resp.body_json()["error"].as_str()), (403, Some("forbidden")), "{}", resp.body);
    assert!(resp.body_json()["message"].as_str().unwrap_or_default().contains(&other));
    let resp = ask(json!({"query": "list buckets", "account_ids": [mine[0]]}), "[team]").send(&app).await;
    assert_eq!((resp.status_code, resp.body_json()["accounts"]["queried"].as_u64()), (200, Some(1)), "{}", resp.body);

    // A caller in no mapped group reads nothing and is told why; their history still answers.
    let resp = ask(json!({"query": "how many buckets"}), "[others]").send(&app).await;
    assert_eq!(resp.status_code, 403, "{}", resp.body);
    assert!(resp.body_json()["message"].as_str().unwrap_or_default().contains("group_ous"));
    assert_eq!(get_history("auditor", None).send(&app).await.status_code, 200);
}
