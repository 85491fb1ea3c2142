//! The shipped artifact: the `bootstrap` inside `target/lambda/console-api/bootstrap.zip` (built by
//! `cargo xtask lambdas`, which `cargo xtask test` runs first) started under cargo-lambda's Runtime
//! API emulator with the environment the console module gives it, answering API Gateway events
//! through the Invoke API from the local Athena. This proves the zip starts, reads its
//! configuration and answers, not only that the handler function does.

use std::time::Duration;

use cima_testkit::{LambdaEmulator, LambdaFunction, REGION, TEST_KEY, lambda_zip};
use serde_json::Value;

use crate::harness::{DATABASE, Store, WORKGROUP, account, request};

const FUNCTION: &str = "console-api";

/// The zip, or `None` (test skipped with a message) outside CI when it was never built.
fn packaged() -> Option<LambdaFunction> {
    let zip = lambda_zip(FUNCTION);
    if !zip.is_file() {
        assert!(std::env::var_os("CI").is_none(), "{} is missing: `cargo xtask lambdas` builds it", zip.display());
        #[allow(clippy::print_stderr, reason = "says why the test did nothing")]
        {
            eprintln!("skipped: {} is missing; run `cargo xtask lambdas`", zip.display());
        }
        return None;
    }
    Some(LambdaFunction::unpack(&zip).expect("the zip holds an executable bootstrap"))
}

#[tokio::test]
async fn the_packaged_bootstrap_answers_under_the_runtime_api_emulator() {
    let Some(bootstrap) = packaged() else { return };
    let store = Store::start().await;
    store.put_events(&crate::store::events()).await;
    store.put_accounts(&[account("111111111111", "Web Prod", "/Production/Web", &[])], None).await;
    let emulator = LambdaEmulator::start().expect("cargo lambda watch starts (cargo xtask setup installs it)");
    let env = [
        ("AWS_ACCESS_KEY_ID", TEST_KEY),
        ("AWS_SECRET_ACCESS_KEY", TEST_KEY),
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", store.aws.endpoint()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        // Exactly the variables modules/console sets.
        ("ATHENA_WORKGROUP", WORKGROUP),
        ("GLUE_DATABASE", DATABASE),
        ("CASES_TABLE", "supportcaseevents"),
        ("ACCOUNTS_TABLE", "accountsinfo"),
        ("CACHE_TTL_SECONDS", "60"),
        ("FIRST_RESPONSE_TARGETS", r#"{"low":1440,"normal":720,"high":240,"urgent":60,"critical":15}"#),
        ("MAX_ACCOUNTS_PER_REQUEST", "200"),
        ("RUST_LOG", "info"),
    ];
    let mut running = emulator.run(&bootstrap, FUNCTION, &env).expect("bootstrap starts");
    let invoke = |path: &str, query: &str, sub: Option<&str>| {
        let event = serde_json::to_value(request("GET", path, query, sub)).expect("event as JSON");
        emulator.invoke(FUNCTION, &event).expect("invoke")
    };

    let (status, answer) = invoke("/cases/summary", "", Some("packaged-user"));
    assert_eq!(status, 200, "{answer}\n{}", running.logs());
    assert_eq!(answer["statusCode"], 200, "{answer}\n{}", running.logs());
    let body: Value = serde_json::from_str(answer["body"].as_str().expect("a body")).expect("JSON body");
    assert_eq!((body["total"].as_u64(), body["open"].as_u64()), (Some(6), Some(4)), "{body}");
    assert_eq!(body["by_account"][0]["account_name"], "Web Prod");

    let (_, answer) = invoke("/cases", "page_size=2&severity=normal", Some("packaged-user"));
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap_or("null")).expect("JSON body");
    assert_eq!((body["total"].as_u64(), body["returned"].as_u64()), (Some(2), Some(2)), "{body}");

    // The same process keeps answering: no claims is 401 from the packaged binary too.
    let (_, answer) = invoke("/cases", "", None);
    assert_eq!(answer["statusCode"], 401, "{answer}");
    assert!(running.is_running(), "one process serves every invocation\n{}", running.logs());
    // Its log lines are JSON; the last request's may still be on their way from the pipe.
    let logs = running.logs_once(|l| l.matches(r#""message":"audit""#).count() >= 3, Duration::from_secs(10));
    let line = logs.lines().find(|l| l.contains("request done")).unwrap_or_else(|| panic!("no request log\n{logs}"));
    let parsed: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(parsed["status"], 200, "{line}");
    // One audit line per request: who, which route, which accounts, what came of it.
    let audits: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
        .filter(|l| l["message"] == "audit")
        .collect();
    let seen: Vec<(&str, &str, &str, &str, u64)> = audits
        .iter()
        .map(|a| {
            let text = |k: &str| a[k].as_str().unwrap_or("?");
            (text("user"), text("route"), text("scope"), text("accounts"), a["status"].as_u64().unwrap_or(0))
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("packaged-user", "GET /cases/summary", "all", "in-scope", 200),
            ("packaged-user", "GET /cases", "all", "in-scope", 200),
            ("-", "GET /cases", "-", "none", 401),
        ],
        "{logs}"
    );
}
