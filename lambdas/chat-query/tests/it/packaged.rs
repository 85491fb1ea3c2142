//! The shipped artifact: the `bootstrap` inside `target/lambda/chat-query/bootstrap.zip` (built by
//! `cargo xtask lambdas`, which `cargo xtask test` runs first) started under cargo-lambda's Runtime
//! API emulator with the environment the chat-api module gives it, answering API Gateway events
//! through the Invoke API. This proves the zip starts, reads its configuration and answers, not
//! only that the handler function does.

use cima_testkit::{
    LambdaEmulator, LambdaFunction, OrgSpec, REGION, ResourceSpec, TEST_KEY, lambda_zip, seed_resources,
};
use serde_json::{Value, json};

use crate::harness::{Local, TABLE, post_query};

const FUNCTION: &str = "chat-query";

/// The zip, or `None` (test skipped with a message) outside CI when it was never built.
pub fn packaged(function: &str) -> Option<LambdaFunction> {
    let zip = lambda_zip(function);
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
    let Some(bootstrap) = packaged(FUNCTION) else { return };
    let local = Local::start().await;
    let org = local.aws.seed_org(&OrgSpec { accounts: 3, seed: 3, suspended: 0 }).expect("org");
    let seeded = seed_resources(&local.aws, &ResourceSpec { seed: 3, ..ResourceSpec::default() }).expect("resources");
    let emulator = LambdaEmulator::start().expect("cargo lambda watch starts (cargo xtask setup installs it)");
    let env = [
        ("AWS_ACCESS_KEY_ID", TEST_KEY),
        ("AWS_SECRET_ACCESS_KEY", TEST_KEY),
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", local.aws.endpoint()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("HISTORY_TABLE_NAME", TABLE),
        ("CORS_ALLOWED_ORIGINS", "https://chat.example.com"),
        ("RUST_LOG", "info"),
    ];
    let mut running = emulator.run(&bootstrap, FUNCTION, &env).expect("bootstrap starts");

    let event = |r: &crate::harness::Request| serde_json::to_value(r.event()).expect("event as JSON");
    let (status, answer) = emulator
        .invoke(FUNCTION, &event(&post_query("packaged-user", json!({"query": "how many ec2 instances are running"}))))
        .expect("invoke");
    assert_eq!(status, 200, "{answer}\n{}", running.logs());
    assert_eq!(answer["statusCode"], 200, "{answer}\n{}", running.logs());
    let body: Value = serde_json::from_str(answer["body"].as_str().expect("a body")).expect("JSON body");
    // EC2 is read in the function's own region unless the question names one.
    let running_instances: usize = seeded
        .accounts
        .iter()
        .map(|a| a.ec2.iter().filter(|i| i.state == "running" && i.region == REGION).count())
        .sum();
    assert!(running_instances > 0, "the seed has running instances in {REGION}");
    let counted: u64 = body["results"]
        .as_object()
        .expect("results per account")
        .values()
        .flat_map(|items| items.as_array().into_iter().flatten())
        .filter_map(|i| i["count"].as_u64())
        .sum();
    assert_eq!(counted as usize, running_instances, "{body}");
    assert_eq!(body["account_errors"], json!([]), "{body}");
    assert!(org.accounts.len() > 1);

    // The same process keeps answering: no claims is 401 from the packaged binary too.
    let mut anonymous = post_query("x", json!({"query": "list s3 buckets"}));
    anonymous.sub = None;
    let (_, answer) = emulator.invoke(FUNCTION, &event(&anonymous)).expect("invoke");
    assert_eq!(answer["statusCode"], 401, "{answer}");
    assert!(running.is_running(), "one process serves every invocation\n{}", running.logs());
}
