//! The local HTTP API with its JWT authorizer: tokens from the local AWS's Cognito and from a key
//! of the test's own, functions under the Runtime API emulator (an echo function speaking the
//! Runtime API itself, and the real chat-query when it is built), CORS, routes and the event.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cima_testkit::{
    Cors, HttpApi, HttpReply, JwtAuthorizer, JwtError, LambdaEmulator, LambdaFunction, LocalAws, REGION, StaticSite,
    TEST_KEY, TestIssuer, UserPoolSpec, compose_jwt, decode_jwt_claims, http_request, lambda_zip, unix_now,
};
use serde_json::{Value, json};

/// The page's origin the API allows (never fetched).
const PAGE: &str = "http://127.0.0.1:8000";
const EVIL: &str = "https://evil.example";
const PASSWORD: &str = "Corr3ct-Horse-Battery!";
/// The echo function's name: the emulator accepts only the workspace's binaries.
const ECHO: &str = "console-api";
const WAIT: Duration = Duration::from_secs(60);

fn call(api: &HttpApi, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpReply {
    http_request(method, &format!("{}{target}", api.base_url()), headers, body, WAIT).expect("the API answers")
}

/// The event the echo function answered with.
fn echoed(reply: &HttpReply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json().expect("JSON")["event"].clone()
}

/// Serves `name` on the emulator's Runtime API from a thread: every event is kept and answered
/// with itself as an API answer, plus a cookie and a CORS header the gateway must replace. The
/// thread ends when the emulator goes away (its long poll fails) or after 1000 events.
fn echo_function(emulator: &LambdaEmulator, name: &str) -> Arc<Mutex<Vec<Value>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&events);
    let runtime = format!("{}/2018-06-01/runtime/invocation", emulator.runtime_api(name));
    thread::spawn(move || {
        for _ in 0..1000 {
            let Ok(next) = http_request("GET", &format!("{runtime}/next"), &[], b"", Duration::from_secs(600)) else {
                return;
            };
            let (Some(id), Ok(event)) = (next.header("lambda-runtime-aws-request-id"), next.json()) else { return };
            keep.lock().expect("lock").push(event.clone());
            let answer = json!({
                "statusCode": 200,
                "headers": {"content-type": "application/json", "x-echo": "yes", "access-control-allow-origin": EVIL},
                "cookies": ["session=1; Path=/; HttpOnly"],
                "body": json!({"event": event}).to_string(),
            });
            let posted = http_request(
                "POST",
                &format!("{runtime}/{id}/response"),
                &[("Content-Type", "application/json")],
                answer.to_string().as_bytes(),
                WAIT,
            );
            if posted.is_err() {
                return;
            }
        }
    });
    events
}

/// What a refused request is, its `Authorization` header, and the reason the authorizer must give.
type Refusal = (String, Option<String>, fn(&JwtError) -> bool);

/// A token with one byte of its signature changed.
fn flip_signature(token: &str) -> String {
    let (signed, signature) = token.rsplit_once('.').expect("three parts");
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    bytes[0] ^= 0x01;
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The same header and signature over other claims.
fn tamper(token: &str, patch: impl FnOnce(&mut Value)) -> String {
    let mut parts = token.split('.');
    let (head, _, signature) = (parts.next().expect("head"), parts.next(), parts.next().expect("signature"));
    let mut claims = Value::Object(decode_jwt_claims(token).expect("claims"));
    patch(&mut claims);
    format!("{head}.{}.{signature}", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

#[test]
fn http_api_verifies_cognito_tokens_and_sends_api_gateway_events_to_the_emulator() {
    let aws = LocalAws::start().expect("local AWS starts (run `cargo xtask setup` once)");
    let spec = UserPoolSpec {
        name: "cima-console".into(),
        callback_urls: vec![format!("{PAGE}/")],
        logout_urls: vec![format!("{PAGE}/")],
    };
    let pool = aws.create_user_pool(&spec).expect("user pool");
    let user = aws.create_user(&pool, "oncall", PASSWORD, &[("email", "oncall@example.com")]).expect("user");
    let tokens = aws.sign_in(&pool, "oncall", PASSWORD).expect("sign-in");
    let claims = decode_jwt_claims(&tokens.id_token).expect("claims");
    assert_eq!((claims["sub"].as_str(), claims["iss"].as_str()), (Some(user.sub.as_str()), Some(&*pool.issuer())));
    // The same user through another app client of the pool: another audience.
    let other_client = aws.create_app_client(&pool, "other-app", &UserPoolSpec::default()).expect("client");
    let other_audience = aws.sign_in_with_client(&other_client, "oncall", PASSWORD).expect("sign-in");
    // Another pool: moto signs with the same key, so only the issuer tells them apart.
    let other_pool = aws.create_user_pool(&UserPoolSpec::named("elsewhere")).expect("pool");
    aws.create_user(&other_pool, "oncall", PASSWORD, &[]).expect("user");
    let other_issuer = aws.sign_in(&other_pool, "oncall", PASSWORD).expect("sign-in");

    let emulator = Arc::new(LambdaEmulator::start().expect("cargo lambda watch starts (cargo xtask setup)"));
    let events = echo_function(&emulator, ECHO);
    let api = HttpApi::builder()
        .route("GET /cases/summary", ECHO)
        .route("GET /cases/{caseId}", ECHO)
        .route("POST /query", ECHO)
        .route("GET /history", ECHO)
        .authorizer(pool.authorizer())
        .cors(Cors::allowing([PAGE]))
        .start(emulator.clone())
        .expect("API starts");
    let bearer = format!("Bearer {}", tokens.id_token);
    let invoked = || events.lock().expect("lock").len();

    // A valid ID token reaches the function, which sees every claim as a string.
    let reply = call(&api, "GET", "/cases/summary", &[("Authorization", &bearer), ("Origin", PAGE)], b"");
    let event = echoed(&reply);
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "GET /cases/summary");
    let seen = &event["requestContext"]["authorizer"]["jwt"]["claims"];
    assert_eq!(seen["sub"], user.sub.as_str());
    assert_eq!(seen["aud"], pool.client_id.as_str());
    assert_eq!(seen["token_use"], "id");
    assert_eq!(seen["cognito:username"], "oncall");
    assert_eq!(seen["exp"], claims["exp"].to_string());
    assert_eq!(event["requestContext"]["requestId"].as_str(), reply.header("apigw-requestid"));
    assert_eq!(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(reply.header("x-echo"), Some("yes"));
    assert_eq!(reply.header("set-cookie"), Some("session=1; Path=/; HttpOnly"));
    assert_eq!(
        reply.headers_named("access-control-allow-origin").collect::<Vec<_>>(),
        [PAGE],
        "ours, not the function's"
    );
    assert_eq!(invoked(), 1);

    // An access token (client_id instead of aud) too, without the Bearer prefix.
    let event = echoed(&call(&api, "GET", "/history", &[("Authorization", &tokens.access_token)], b""));
    let seen = &event["requestContext"]["authorizer"]["jwt"]["claims"];
    assert_eq!((&seen["token_use"], &seen["client_id"]), (&json!("access"), &json!(pool.client_id)));

    // Path parameters, repeated query keys, cookies and repeated headers as API Gateway sends them.
    let target = "/cases/case-1%2Fb?status=open&status=resolved&severity=high&q=slow+disk";
    let headers = [("Authorization", bearer.as_str()), ("Cookie", "a=1; b=2"), ("X-Team", "ops"), ("x-team", "web")];
    let event = echoed(&call(&api, "GET", target, &headers, b""));
    assert_eq!(event["routeKey"], "GET /cases/{caseId}");
    assert_eq!(event["rawPath"], "/cases/case-1%2Fb");
    assert_eq!(event["rawQueryString"], "status=open&status=resolved&severity=high&q=slow+disk");
    assert_eq!(event["pathParameters"], json!({"caseId": "case-1/b"}));
    assert_eq!(
        event["queryStringParameters"],
        json!({"status": "open,resolved", "severity": "high", "q": "slow disk"})
    );
    assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(event["headers"]["x-team"], "ops,web");
    assert!(event["headers"].get("cookie").is_none());

    let body = br#"{"query": "list buckets"}"#;
    let headers = [("Authorization", bearer.as_str()), ("Content-Type", "application/json")];
    let event = echoed(&call(&api, "POST", "/query", &headers, body));
    assert_eq!((&event["body"], &event["isBase64Encoded"]), (&json!(r#"{"query": "list buckets"}"#), &json!(false)));
    assert_eq!(event["headers"]["content-type"], "application/json");
    assert_eq!(invoked(), 4);

    // Refused by the authorizer: 401, readable by the page, and the function never invoked.
    let now = unix_now();
    let hs256 = {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, pool.client_id.as_bytes());
        let claims = Value::Object(claims.clone());
        let unsigned = compose_jwt(&json!({"alg": "HS256", "kid": "dummy"}), &claims, b"");
        let signed = unsigned.trim_end_matches('.');
        let tag = aws_lc_rs::hmac::sign(&key, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    };
    let refusals: Vec<Refusal> = vec![
        ("no token".into(), None, |e| *e == JwtError::Missing),
        ("garbage".into(), Some("Bearer not-a-token".into()), |e| matches!(e, JwtError::Malformed(_))),
        ("signature".into(), Some(flip_signature(&tokens.id_token)), |e| *e == JwtError::Signature),
        ("tampered".into(), Some(tamper(&tokens.id_token, |c| c["sub"] = json!("someone-else"))), |e| {
            *e == JwtError::Signature
        }),
        (
            "alg none".into(),
            Some(compose_jwt(
                &json!({"alg": "none", "kid": "dummy"}),
                &json!({"iss": pool.issuer(),
                "aud": pool.client_id, "sub": "x", "exp": now + 600}),
                b"",
            )),
            |e| *e == JwtError::Algorithm("none".into()),
        ),
        ("hs256".into(), Some(hs256), |e| *e == JwtError::Algorithm("HS256".into())),
        ("audience".into(), Some(other_audience.id_token.clone()), |e| *e == JwtError::Audience),
        ("access audience".into(), Some(other_audience.access_token.clone()), |e| *e == JwtError::Audience),
        ("issuer".into(), Some(other_issuer.id_token.clone()), |e| matches!(e, JwtError::Issuer(_))),
    ];
    for (what, token, expected) in refusals {
        let mut headers = vec![("Origin", PAGE)];
        if let Some(token) = &token {
            headers.push(("Authorization", token));
        }
        let reply = call(&api, "GET", "/cases/summary", &headers, b"");
        assert_eq!(reply.status, 401, "{what}: {}", reply.text());
        assert_eq!(reply.json().expect("json"), json!({"message": "Unauthorized"}), "{what}");
        assert_eq!(reply.header("access-control-allow-origin"), Some(PAGE), "{what}: the page can read the 401");
        let record = api.requests().pop().expect("recorded");
        assert!(record.denied.as_ref().is_some_and(expected), "{what}: {record:?}");
        assert_eq!(record.function, None, "{what}");
    }
    assert_eq!(invoked(), 4, "no refused request reached the function");

    // No route: 404 from the gateway, before any authorization.
    for (method, target) in [("GET", "/nope"), ("DELETE", "/history"), ("GET", "/history/")] {
        let reply = call(&api, method, target, &[("Authorization", &bearer)], b"");
        assert_eq!((reply.status, reply.json().expect("json")), (404, json!({"message": "Not Found"})), "{target}");
    }

    // CORS preflight answered by the gateway, no token needed; a foreign origin gets no CORS.
    let preflight = |origin: &str| {
        call(
            &api,
            "OPTIONS",
            "/query",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "authorization,content-type"),
            ],
            b"",
        )
    };
    let allowed = preflight(PAGE);
    assert_eq!(allowed.status, 204);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(PAGE));
    assert!(allowed.header("access-control-allow-methods").is_some_and(|m| m.contains("POST")), "{allowed:?}");
    assert_eq!(allowed.header("access-control-allow-headers"), Some("authorization,content-type"));
    assert_eq!(allowed.header("access-control-max-age"), Some("300"));
    let foreign = preflight(EVIL);
    assert_eq!(foreign.status, 204);
    assert!(foreign.headers.iter().all(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-")), "{foreign:?}");
    let reply = call(&api, "GET", "/cases/summary", &[("Authorization", &bearer), ("Origin", EVIL)], b"");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), None, "not the function's either");
    assert_eq!(invoked(), 5, "only the last GET was invoked");
}

#[test]
fn http_api_refuses_expired_and_foreign_keyed_tokens_from_a_key_set_fetched_over_http() {
    let issuer = TestIssuer::generate("test-key").expect("key");
    let keys = StaticSite::builder()
        .file("us-east-1_local/.well-known/jwks.json", issuer.jwks().to_string().into_bytes())
        .start()
        .expect("key server");
    let iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local";
    let calls = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&calls);
    let invoker = move |function: &str, event: &Value, _: Duration| -> cima_testkit::Result<(u16, Value)> {
        count.fetch_add(1, Ordering::SeqCst);
        let sub = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"].clone();
        Ok((200, json!({"function": function, "sub": sub})))
    };
    let api = HttpApi::builder()
        .route("GET /cases/summary", "console-api")
        .authorizer(JwtAuthorizer {
            issuer: iss.into(),
            audience: vec!["web-client".into()],
            jwks_url: format!("{}/us-east-1_local/.well-known/jwks.json", keys.base_url()),
        })
        .start(Arc::new(invoker))
        .expect("API starts with the fetched key set");
    // Fetched once: the key server can go.
    drop(keys);

    let now = unix_now();
    let claims = |patch: Value| {
        let mut c = json!({"iss": iss, "aud": "web-client", "sub": "u-1", "token_use": "id", "iat": now - 5,
                           "exp": now + 600});
        for (k, v) in patch.as_object().expect("object") {
            c[k] = v.clone();
        }
        c
    };
    let get = |token: &str| call(&api, "GET", "/cases/summary", &[("Authorization", &format!("Bearer {token}"))], b"");

    let ok = get(&issuer.sign(&claims(json!({}))));
    assert_eq!((ok.status, ok.json().expect("json")), (200, json!({"function": "console-api", "sub": "u-1"})));
    assert_eq!(ok.header("content-type"), Some("application/json"), "an answer without statusCode is a JSON body");

    let stranger = TestIssuer::generate("test-key").expect("key");
    let other_kid = TestIssuer::generate("other-key").expect("key");
    let cases: [(&str, String, JwtError); 5] = [
        ("expired", issuer.sign(&claims(json!({"exp": now - 3600}))), JwtError::Expired { exp: now - 3600 }),
        ("not yet valid", issuer.sign(&claims(json!({"nbf": now + 3600}))), JwtError::NotYetValid { nbf: now + 3600 }),
        (
            "issued in the future",
            issuer.sign(&claims(json!({"iat": now + 3600}))),
            JwtError::IssuedInFuture { iat: now + 3600 },
        ),
        ("same kid, another key", stranger.sign(&claims(json!({}))), JwtError::Signature),
        ("unknown kid", other_kid.sign(&claims(json!({}))), JwtError::UnknownKey("other-key".into())),
    ];
    for (what, token, expected) in cases {
        let reply = get(&token);
        assert_eq!(reply.status, 401, "{what}");
        assert!(reply.header("www-authenticate").is_some_and(|w| w.contains("invalid_token")), "{what}");
        assert_eq!(api.requests().pop().and_then(|r| r.denied), Some(expected), "{what}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "only the valid token was let through");
}

/// chat-query's `bootstrap` from its zip, else a plain build of it, else `None` (skipped, with a
/// message, outside CI).
fn chat_query() -> Option<LambdaFunction> {
    let zip = lambda_zip("chat-query");
    if zip.is_file() {
        return Some(LambdaFunction::unpack(&zip).expect("the zip holds a bootstrap"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| cima_testkit::repo_root().join("target"));
    let binary = target.join("debug").join("chat-query");
    if binary.is_file() {
        return Some(LambdaFunction::binary(&binary).expect("binary"));
    }
    assert!(std::env::var_os("CI").is_none(), "{} is missing: `cargo xtask lambdas` builds it", zip.display());
    #[allow(clippy::print_stderr, reason = "says why the test did nothing")]
    {
        eprintln!("skipped: neither {} nor {} exists", zip.display(), binary.display());
    }
    None
}

#[test]
fn the_real_chat_query_function_reads_its_caller_from_the_verified_token() {
    let Some(function) = chat_query() else { return };
    let aws = LocalAws::start().expect("local AWS");
    let pool = aws.create_user_pool(&UserPoolSpec::named("cima-chat")).expect("pool");
    let alice = aws.create_user(&pool, "alice", PASSWORD, &[]).expect("alice");
    aws.create_user(&pool, "bob", PASSWORD, &[]).expect("bob");
    let alice_token = aws.sign_in(&pool, "alice", PASSWORD).expect("alice signs in").id_token;
    let bob_token = aws.sign_in(&pool, "bob", PASSWORD).expect("bob signs in").access_token;

    let table = "cima-chat-history";
    let call_ddb = |op: &str, params: Value| {
        let answer = aws
            .tool("call", &[("service", "dynamodb"), ("op", op), ("params", &params.to_string())])
            .expect("dynamodb call");
        assert!(answer.get("Error").is_none(), "{op}: {answer}");
    };
    call_ddb(
        "create_table",
        json!({"TableName": table, "BillingMode": "PAY_PER_REQUEST",
               "AttributeDefinitions": [{"AttributeName": "userId", "AttributeType": "S"},
                                        {"AttributeName": "timestamp", "AttributeType": "N"}],
               "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"},
                             {"AttributeName": "timestamp", "KeyType": "RANGE"}]}),
    );
    call_ddb(
        "put_item",
        json!({"TableName": table, "Item": {"userId": {"S": alice.sub}, "timestamp": {"N": (now_ms()).to_string()},
               "queryId": {"S": "q-1"}, "query": {"S": "list s3 buckets"}, "resultCount": {"N": "3"}}}),
    );

    let emulator = Arc::new(LambdaEmulator::start().expect("emulator"));
    let env = [
        ("AWS_ACCESS_KEY_ID", TEST_KEY),
        ("AWS_SECRET_ACCESS_KEY", TEST_KEY),
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", aws.endpoint()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("HISTORY_TABLE_NAME", table),
        ("RUST_LOG", "info"),
    ];
    let mut running = emulator.run(&function, "chat-query", &env).expect("chat-query starts");
    let api = HttpApi::builder()
        .route("GET /history", "chat-query")
        .route("POST /query", "chat-query")
        .authorizer(pool.authorizer())
        .start(emulator.clone())
        .expect("API");

    let history = |token: &str, query: &str| {
        call(&api, "GET", &format!("/history{query}"), &[("Authorization", &format!("Bearer {token}"))], b"")
    };
    let mine = history(&alice_token, "?limit=5");
    assert_eq!(mine.status, 200, "{}\n{}", mine.text(), running.logs());
    let mine = mine.json().expect("json");
    assert_eq!((&mine["count"], &mine["limit"]), (&json!(1), &json!(5)), "{mine}");
    assert_eq!(mine["items"][0]["query"], "list s3 buckets");
    let theirs = history(&bob_token, "").json().expect("json");
    assert_eq!(theirs["count"], 0, "bob's token names bob, whatever he sends: {theirs}");
    let bad = history(&alice_token, "?limit=0");
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(bad.text().contains("limit"), "{}", bad.text());
    assert!(running.is_running(), "{}", running.logs());
}

fn now_ms() -> i64 {
    unix_now() * 1000
}
