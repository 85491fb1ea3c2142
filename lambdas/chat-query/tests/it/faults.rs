//! chat-query at 30% faults: every member-account call (STS, EC2, S3, IAM, Lambda, RDS,
//! Support) goes through `localaws.fault_proxy`, which answers 30% of them with throttling
//! errors, 500s, 503s, connection resets or answers held back 8 s (twice the 4 s attempt timeout
//! of `SDK_POLICY`), and throttles every call made for two chosen accounts. The function runs
//! with the SDK configuration `main` builds (`SDK_POLICY`). What must hold: exactly the accounts
//! the proxy saw give up on a call (a fault answered to the last attempt) are in
//! `account_errors`, each with AWS's words rather than a Debug dump, and every other account's
//! answer equals what was seeded. Time bound: each question is answered within API Gateway's
//! 29 s.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_types::region::Region;
use chat_query::config::SDK_POLICY;
use cima_testkit::{FaultProxy, FaultSpec, FaultStats, OrgSpec, REGION, ResourceSpec, TEST_KEY, seed_resources};
use serde_json::{Value, json};

use crate::harness::{Local, post_query};

/// What an account should answer to a question, from its seeded resources.
type Truth<'a> = &'a dyn Fn(&cima_testkit::SeededAccountResources) -> BTreeSet<String>;

/// API Gateway's integration timeout.
const API_TIMEOUT: Duration = Duration::from_secs(29);

/// Item ids per account in a response's `results`.
fn ids(body: &Value) -> BTreeMap<String, BTreeSet<String>> {
    body["results"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(account, items)| {
            let ids = items.as_array().into_iter().flatten().filter_map(|i| i["id"].as_str().map(str::to_owned));
            (account.clone(), ids.collect())
        })
        .collect()
}

/// The accounts whose calls ran out of attempts since `before`.
fn exhausted_since(before: &FaultStats, after: &FaultStats) -> BTreeSet<String> {
    assert!(after.exhausted_total < 1000, "the proxy keeps the first 1000 exhausted calls");
    after.exhausted[before.exhausted.len()..]
        .iter()
        .map(|e| e.account.clone().expect("attributed to an account"))
        .collect()
}

#[tokio::test]
#[allow(clippy::print_stderr, reason = "prints the numbers bench/reliability-faults.md quotes (`--no-capture`)")]
async fn only_accounts_that_exhausted_their_retries_are_reported() {
    let local = Local::start().await;
    let org = local.aws.seed_org(&OrgSpec { accounts: 30, seed: 17, suspended: 0 }).expect("org");
    let res = seed_resources(&local.aws, &ResourceSpec { seed: 17, ..ResourceSpec::default() }).expect("resources");
    assert_eq!(res.accounts.len(), 31);
    let members: Vec<&str> = org.members().map(|a| a.id.as_str()).collect();
    let forced = vec![members[3].to_owned(), members[12].to_owned()];
    let proxy = FaultProxy::start(
        &local.aws,
        &FaultSpec {
            share: 0.3,
            // Every service of a member account's read; Organizations and the history table are
            // the function's own account.
            services: ["sts", "ec2", "s3", "iam", "lambda", "rds", "support"].map(str::to_owned).to_vec(),
            seed: 17,
            slow: Duration::from_secs(8),
            fail_accounts: forced.clone(),
            ..FaultSpec::default()
        },
    )
    .expect("fault proxy");
    let sdk = SDK_POLICY
        .loader()
        .region(Region::new(REGION))
        .endpoint_url(proxy.endpoint())
        .credentials_provider(Credentials::new(TEST_KEY, TEST_KEY, None, None, "localaws"))
        .load()
        .await;
    let app = local.app_on(sdk, &[]).await;

    let running = |a: &cima_testkit::SeededAccountResources| -> BTreeSet<String> {
        a.ec2.iter().filter(|i| i.region == REGION && i.state == "running").map(|i| i.id.clone()).collect()
    };
    let dev_buckets = |a: &cima_testkit::SeededAccountResources| -> BTreeSet<String> {
        a.s3.iter().filter(|b| b.tags.get("env").map(String::as_str) == Some("dev")).map(|b| b.name.clone()).collect()
    };
    let questions: [(&str, Truth<'_>); 3] = [
        ("list running ec2 instances", &running),
        ("s3 buckets tagged env=dev", &dev_buckets),
        ("list running ec2 instances", &running),
    ];
    let mut reported_total = 0;
    for (question, truth) in questions {
        let before = proxy.stats().expect("stats");
        let started = Instant::now();
        let resp = post_query("auditor", json!({ "query": question })).send(&app).await;
        let took = started.elapsed();
        let after = proxy.stats().expect("stats");
        assert_eq!(resp.status_code, 200, "{}", resp.body);
        let body = resp.body_json();

        let errors = body["account_errors"].as_array().expect("account_errors").clone();
        let reported: BTreeSet<String> =
            errors.iter().map(|e| e["account_id"].as_str().expect("account_id").to_owned()).collect();
        let exhausted = exhausted_since(&before, &after);
        assert_eq!(
            reported, exhausted,
            "{question}: account_errors are the accounts that ran out of attempts: {errors:#?}"
        );
        assert!(forced.iter().all(|a| reported.contains(a)), "{question}: {reported:?}");
        for e in &errors {
            let m = e["message"].as_str().unwrap_or_default();
            assert!(!m.contains("Some(") && !m.contains(" { ") && !m.contains("source:"), "a Debug dump: {m}");
            if forced.iter().any(|a| e["account_id"] == a.as_str()) {
                assert!(m.contains("Throttling: Rate exceeded"), "{m}");
            }
        }
        // Every account not reported answers exactly what was seeded.
        let got = ids(&body);
        for a in res.accounts.iter().filter(|a| !reported.contains(&a.account_id)) {
            let want = truth(a);
            let have = got.get(&a.account_id).cloned().unwrap_or_default();
            assert_eq!(have, want, "{question}: {}", a.account_id);
        }
        assert_eq!(body["accounts"]["queried"], 31);
        assert!(body["accounts"]["failed"].as_u64().unwrap_or(0) >= forced.len() as u64, "{}", body["accounts"]);
        let delta = after.injected() - before.injected();
        eprintln!(
            "chat-query {question:?}: {:.1} s (bound {} s); {delta} faults on {} requests, {} retries; {} account(s) \
             reported, {} forced",
            took.as_secs_f64(),
            API_TIMEOUT.as_secs(),
            after.requests - before.requests,
            after.retries - before.retries,
            reported.len(),
            forced.len()
        );
        assert!(took < API_TIMEOUT, "{question} took {took:?}");
        reported_total += reported.len();
    }
    let stats = proxy.stats().expect("stats");
    eprintln!("chat-query, 3 questions: {}", stats.summary());
    assert!(stats.forced > 0 && stats.injected() > stats.forced, "{}", stats.summary());
    assert!(
        stats.abandoned > 0 && stats.waited == 0,
        "slow answers are given up at the attempt timeout: {}",
        stats.summary()
    );
    assert!(reported_total >= 6, "the forced accounts, every question");
}
