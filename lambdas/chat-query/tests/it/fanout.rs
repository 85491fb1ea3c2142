//! One question over a seeded organization of 30 ACTIVE accounts, 2 of them without the
//! read-only role: answers for 28, two account errors, counts equal to what was seeded.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use cima_testkit::{CHAT_QUERY_ROLE, CaseSpec, OrgSpec, ResourceSpec, SeededResources, seed_resources};
use serde_json::{Value, json};

use crate::harness::{Local, post_query};

/// Item ids per account in a response's `results`.
fn ids(body: &Value) -> BTreeMap<String, BTreeSet<String>> {
    body["results"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(account, items)| {
                    let ids =
                        items.as_array().into_iter().flatten().filter_map(|i| i["id"].as_str().map(str::to_owned));
                    (account.clone(), ids.collect())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn non_empty(m: BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    m.into_iter().filter(|(_, v)| !v.is_empty()).collect()
}

/// The seeded truth per readable account, through `pick`.
fn truth<F>(res: &SeededResources, failing: &[String], pick: F) -> BTreeMap<String, BTreeSet<String>>
where
    F: Fn(&cima_testkit::SeededAccountResources) -> Vec<String>,
{
    res.accounts
        .iter()
        .filter(|a| !failing.contains(&a.account_id))
        .map(|a| (a.account_id.clone(), pick(a).into_iter().collect::<BTreeSet<_>>()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// "Most: <name> (n), …": the three accounts with the most items by the seed, by name.
fn most(per_account: &BTreeMap<String, usize>, org: &cima_testkit::SeededOrg) -> String {
    let mut ranked: Vec<(&String, &usize)> = per_account.iter().filter(|(_, n)| **n > 0).collect();
    ranked.sort_by_key(|(id, n)| (std::cmp::Reverse(**n), (*id).clone()));
    let named: Vec<String> = ranked
        .iter()
        .take(3)
        .map(|(id, n)| format!("{} ({n})", org.account(id).map_or(id.as_str(), |a| a.name.as_str())))
        .collect();
    format!("Most: {}.", named.join(", "))
}

#[tokio::test]
#[allow(clippy::print_stderr, reason = "prints the per-query timings the report quotes (`--no-capture`)")]
async fn fan_out_over_30_accounts_with_two_failing() {
    let local = Local::start().await;
    // 31 members, 2 closed: 29 ACTIVE members and the management account.
    let org = local.aws.seed_org(&OrgSpec { accounts: 31, seed: 11, suspended: 2 }).expect("org");
    let active: Vec<String> = org.accounts.iter().filter(|a| a.status == "ACTIVE").map(|a| a.id.clone()).collect();
    assert_eq!(active.len(), 30);
    let members: Vec<&String> = active.iter().filter(|a| **a != org.management_account_id).collect();
    let failing = vec![members[4].clone(), members[17].clone()];
    let res =
        seed_resources(&local.aws, &ResourceSpec { seed: 5, skip_role: failing.clone(), ..ResourceSpec::default() })
            .expect("resources");
    assert_eq!(res.accounts.len(), 30);
    let app = local.app(&[("MAX_CONCURRENCY", "8")]).await;
    let ask = |q: &str| post_query("auditor", json!({ "query": q }));

    // Running EC2 instances in the function's region, every active account.
    let started = Instant::now();
    let resp = ask("How many running EC2 instances are there?").send(&app).await;
    let cold = started.elapsed();
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    let body = resp.body_json();
    let errors: BTreeSet<String> = body["account_errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["account_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(errors, failing.iter().cloned().collect::<BTreeSet<_>>(), "{}", body["account_errors"]);
    for e in body["account_errors"].as_array().into_iter().flatten() {
        let m = e["message"].as_str().unwrap_or_default();
        assert!(m.contains(CHAT_QUERY_ROLE) && m.contains("AccessDenied"), "{m}");
    }
    let answered: BTreeSet<String> =
        body["results"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    assert_eq!(answered.len(), 28);
    assert!(answered.iter().all(|a| active.contains(a) && !failing.contains(a)));
    let running: usize = res
        .accounts
        .iter()
        .filter(|a| !failing.contains(&a.account_id))
        .flat_map(|a| &a.ec2)
        .filter(|i| i.region == "us-east-1" && i.state == "running")
        .count();
    let with_running = res
        .accounts
        .iter()
        .filter(|a| !failing.contains(&a.account_id))
        .filter(|a| a.ec2.iter().any(|i| i.region == "us-east-1" && i.state == "running"))
        .count();
    assert!(running > 5, "the seed gives a meaningful count ({running})");
    assert_eq!(body["counts"]["ec2"], json!(running), "{}", body["counts"]);
    assert_eq!(body["parsed"]["intent"], "count");
    let per_account: usize = body["results"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, v)| v[0]["count"].as_u64().unwrap_or(0) as usize)
        .sum();
    assert_eq!(per_account, running);
    let running_per_account: BTreeMap<String, usize> = res
        .accounts
        .iter()
        .filter(|a| !failing.contains(&a.account_id))
        .map(|a| {
            (a.account_id.clone(), a.ec2.iter().filter(|i| i.region == "us-east-1" && i.state == "running").count())
        })
        .collect();
    assert_eq!(
        body["answer"],
        format!(
            "{running} running EC2 instances across {with_running} of 30 accounts; 2 accounts failed. {}",
            most(&running_per_account, &org)
        ),
    );
    assert_eq!(body["accounts"], json!({"queried": 30, "with_results": with_running, "failed": 2}));

    // Listing with a tag and a region: exactly the seeded instances.
    let started = Instant::now();
    let resp = ask("list ec2 instances tagged env=prod in eu-west-1").send(&app).await;
    let warm = started.elapsed();
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    let want = truth(&res, &failing, |a| {
        a.ec2
            .iter()
            .filter(|i| i.region == "eu-west-1" && i.tags.get("env").map(String::as_str) == Some("prod"))
            .map(|i| i.id.clone())
            .collect()
    });
    assert!(!want.is_empty());
    let body = resp.body_json();
    assert_eq!(non_empty(ids(&body)), want);
    // Each item says what was seeded (read from EC2's XML by query_protocol, not an SDK crate).
    let seeded: BTreeMap<&str, &cima_testkit::SeededInstance> =
        res.accounts.iter().flat_map(|a| &a.ec2).map(|i| (i.id.as_str(), i)).collect();
    for item in body["results"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|v| v.as_array().into_iter().flatten())
    {
        let s = seeded[item["id"].as_str().expect("id")];
        assert_eq!(
            (item["state"].as_str(), item["region"].as_str()),
            (Some(s.state.as_str()), Some("eu-west-1")),
            "{item}"
        );
        assert_eq!(item["tags"], json!(s.tags), "{item}");
        assert_eq!(item["name"], json!(s.tags.get("Name")), "{item}");
        let created = item["created"].as_str().expect("a launch time");
        assert!(
            time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339).is_ok(),
            "{created}"
        );
        assert!(item["instance_type"].as_str().is_some_and(|t| t.contains('.')), "{item}");
    }

    // S3 by region (GetBucketLocation), then by tag (GetBucketTagging).
    let resp = ask("which buckets are in eu-west-1?").send(&app).await;
    let want =
        truth(&res, &failing, |a| a.s3.iter().filter(|b| b.region == "eu-west-1").map(|b| b.name.clone()).collect());
    assert!(!want.is_empty());
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);
    let resp = ask("s3 buckets tagged env=dev").send(&app).await;
    let want = truth(&res, &failing, |a| {
        a.s3.iter().filter(|b| b.tags.get("env").map(String::as_str) == Some("dev")).map(|b| b.name.clone()).collect()
    });
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);

    // Several services at once, counted.
    let resp = ask("count lambda functions and databases").send(&app).await;
    let body = resp.body_json();
    let lambdas: usize = res.accounts.iter().filter(|a| !failing.contains(&a.account_id)).map(|a| a.lambda.len()).sum();
    let dbs: usize = res.accounts.iter().filter(|a| !failing.contains(&a.account_id)).map(|a| a.rds.len()).sum();
    assert!(lambdas > 0 && dbs > 0);
    assert_eq!(
        (body["counts"]["lambda"].clone(), body["counts"]["rds"].clone()),
        (json!(lambdas), json!(dbs)),
        "{body}"
    );

    // IAM users and roles, every name.
    let resp = ask("list iam users").send(&app).await;
    let want = truth(&res, &failing, |a| a.iam_users.clone());
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);
    let resp = ask("list iam roles").send(&app).await;
    let want = truth(&res, &failing, |a| a.iam_roles.clone());
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);

    // Given accounts only, and an account named in the question.
    let one_ok = members[0].clone();
    let resp = post_query("auditor", json!({"query": "list lambda functions", "account_ids": [one_ok, failing[0]]}))
        .send(&app)
        .await;
    let body = resp.body_json();
    assert_eq!(body["accounts"]["queried"], 2, "{body}");
    assert_eq!(body["account_errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["results"].as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()), Some(vec![one_ok.clone()]));
    let named = org.account(&one_ok).expect("member").name.clone();
    let resp = ask(&format!("list iam roles in account {named}")).send(&app).await;
    let body = resp.body_json();
    assert_eq!(body["accounts"]["queried"], 1, "{body}");
    assert_eq!(
        non_empty(ids(&body)),
        truth(&res, &failing, |a| if a.account_id == one_ok { a.iam_roles.clone() } else { vec![] })
    );

    // Support cases through the same role, filtered by status.
    let case_accounts = vec![members[0].clone(), members[1].clone(), members[2].clone()];
    let cases = local
        .aws
        .seed_cases(&CaseSpec {
            seed: 3,
            per_account: 6,
            accounts: Some(case_accounts.clone()),
            role_name: Some(CHAT_QUERY_ROLE.into()),
            skip_role: Vec::new(),
        })
        .expect("cases");
    let resp = ask("list open support cases").send(&app).await;
    let want: BTreeMap<String, BTreeSet<String>> = cases
        .accounts
        .iter()
        .map(|a| {
            (
                a.account_id.clone(),
                a.cases.iter().filter(|c| c.status != "resolved").map(|c| c.case_id.clone()).collect::<BTreeSet<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);
    let resp = ask("how many resolved cases").send(&app).await;
    let resolved = cases.cases().filter(|c| c.status == "resolved").count();
    assert_eq!(resp.body_json()["counts"]["support"], json!(resolved), "{}", resp.body);

    // The operations services, read with query_protocol: each list exactly the seeded items in
    // the function's region, each count the seeded number.
    let home = |region: &str| region == "us-east-1";
    let failed_stack = |s: &cima_testkit::SeededStack| s.status.ends_with("_FAILED") || s.status == "ROLLBACK_COMPLETE";
    let resp = ask("which CloudFormation stacks failed?").send(&app).await;
    let want = truth(&res, &failing, |a| {
        a.cloudformation.iter().filter(|s| home(&s.region) && failed_stack(s)).map(|s| s.name.clone()).collect()
    });
    assert!(!want.is_empty(), "the seed fails some stacks");
    let body = resp.body_json();
    assert_eq!(non_empty(ids(&body)), want, "{body}");
    let failed: usize = want.values().map(BTreeSet::len).sum();
    let per_account: BTreeMap<String, usize> = want.iter().map(|(a, v)| (a.clone(), v.len())).collect();
    assert_eq!(
        body["answer"],
        format!(
            "{failed} failed CloudFormation stacks across {} of 30 accounts; 2 accounts failed. {}",
            want.len(),
            most(&per_account, &org)
        )
    );
    for item in body["results"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|v| v.as_array().into_iter().flatten())
    {
        assert!(item["state"].as_str().is_some_and(|s| s.ends_with("_FAILED") || s == "ROLLBACK_COMPLETE"), "{item}");
    }
    let drifted = res
        .accounts
        .iter()
        .filter(|a| !failing.contains(&a.account_id))
        .flat_map(|a| &a.cloudformation)
        .filter(|s| home(&s.region) && s.drift == "DRIFTED")
        .count();
    assert!(drifted > 0);
    let resp = ask("how many stacks have drifted?").send(&app).await;
    assert_eq!(resp.body_json()["counts"], json!({"cloudformation": drifted}), "{}", resp.body);

    // Load balancers of both kinds, by tag (DescribeTags of each API version).
    let resp = ask("list load balancers tagged env=prod").send(&app).await;
    let want = truth(&res, &failing, |a| {
        a.elb
            .iter()
            .filter(|l| home(&l.region) && l.tags.get("env").map(String::as_str) == Some("prod"))
            .map(|l| l.name.clone())
            .collect()
    });
    let body = resp.body_json();
    assert_eq!(non_empty(ids(&body)), want, "{body}");
    let kinds: BTreeSet<&str> = body["results"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|v| v.as_array().into_iter().flatten())
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["application", "classic"]), "{body}");
    let balancers: usize = res.accounts.iter().filter(|a| !failing.contains(&a.account_id)).map(|a| a.elb.len()).sum();
    let resp = ask("how many load balancers are there").send(&app).await;
    assert_eq!(resp.body_json()["counts"], json!({"elb": balancers}), "{}", resp.body);

    // Auto Scaling groups, counted and by tag.
    let groups: usize =
        res.accounts.iter().filter(|a| !failing.contains(&a.account_id)).map(|a| a.autoscaling.len()).sum();
    assert!(groups > 0);
    let resp = ask("count auto scaling groups").send(&app).await;
    assert_eq!(resp.body_json()["counts"], json!({"autoscaling": groups}), "{}", resp.body);
    let resp = ask("list ASGs tagged env=dev").send(&app).await;
    let want = truth(&res, &failing, |a| {
        a.autoscaling
            .iter()
            .filter(|g| g.tags.get("env").map(String::as_str) == Some("dev"))
            .map(|g| g.name.clone())
            .collect()
    });
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);

    // Firing alarms (DescribeAlarms filters the state), then alarms by tag (ListTagsForResource).
    let resp = ask("which alarms are firing?").send(&app).await;
    let want = truth(&res, &failing, |a| {
        a.cloudwatch.iter().filter(|x| home(&x.region) && x.state == "ALARM").map(|x| x.name.clone()).collect()
    });
    assert!(!want.is_empty());
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);
    let resp = ask("how many cloudwatch alarms are tagged env=prod").send(&app).await;
    let prod_alarms = res
        .accounts
        .iter()
        .filter(|a| !failing.contains(&a.account_id))
        .flat_map(|a| &a.cloudwatch)
        .filter(|x| x.tags.get("env").map(String::as_str) == Some("prod"))
        .count();
    assert_eq!(resp.body_json()["counts"], json!({"cloudwatch": prod_alarms}), "{}", resp.body);

    // Route 53 (global, REST-XML): every zone with its record count, then by tag.
    let resp = ask("list route 53 hosted zones").send(&app).await;
    let body = resp.body_json();
    let want = truth(&res, &failing, |a| a.route53.iter().map(|z| z.id.clone()).collect());
    assert!(!want.is_empty());
    assert_eq!(non_empty(ids(&body)), want, "{body}");
    let seeded: BTreeMap<&str, &cima_testkit::SeededZone> =
        res.accounts.iter().flat_map(|a| &a.route53).map(|z| (z.id.as_str(), z)).collect();
    for item in body["results"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|v| v.as_array().into_iter().flatten())
    {
        let z = seeded[item["id"].as_str().expect("id")];
        assert_eq!(
            (item["name"].as_str(), item["record_count"].as_u64()),
            (Some(z.name.as_str()), Some(z.record_count)),
            "{item}"
        );
        assert!(z.record_count >= 3, "SOA, NS and at least one A record: {z:?}");
    }
    let resp = ask("dns zones tagged env=dev").send(&app).await;
    let want = truth(&res, &failing, |a| {
        a.route53
            .iter()
            .filter(|z| z.tags.get("env").map(String::as_str) == Some("dev"))
            .map(|z| z.id.clone())
            .collect()
    });
    assert_eq!(non_empty(ids(&resp.body_json())), want, "{}", resp.body);
    let zones: usize = res.accounts.iter().filter(|a| !failing.contains(&a.account_id)).map(|a| a.route53.len()).sum();
    let resp = ask("how many hosted zones do we have").send(&app).await;
    assert_eq!(resp.body_json()["counts"], json!({"route53": zones}), "{}", resp.body);

    // AWS Config: the non-compliant rules (filtered on the server), each naming its resources.
    let resp = ask("which config rules are non-compliant?").send(&app).await;
    let body = resp.body_json();
    let want = truth(&res, &failing, |a| {
        a.config.iter().filter(|r| home(&r.region) && r.compliance == "NON_COMPLIANT").map(|r| r.name.clone()).collect()
    });
    assert!(!want.is_empty(), "the seed makes some rules non-compliant");
    assert_eq!(non_empty(ids(&body)), want, "{body}");
    for (account, items) in body["results"].as_object().into_iter().flatten() {
        let seeded = res.account(account).expect("a seeded account");
        for item in items.as_array().into_iter().flatten() {
            let rule =
                seeded.config.iter().find(|r| Some(r.name.as_str()) == item["id"].as_str()).expect("a seeded rule");
            assert_eq!(item["non_compliant_resources"], json!(rule.non_compliant), "{item}");
            assert_eq!(item["non_compliant"], json!(rule.non_compliant.len()), "{item}");
        }
    }
    let rules: usize = res.accounts.iter().filter(|a| !failing.contains(&a.account_id)).map(|a| a.config.len()).sum();
    let resp = ask("how many config rules are there").send(&app).await;
    assert_eq!(resp.body_json()["counts"], json!({"config": rules}), "{}", resp.body);

    // CloudWatch metrics of one named resource: an instance's average CPU (all samples' sum over
    // their count, whatever the periods) and a function's peak invocations, in the one account
    // that has it; every other account answers with no datapoints.
    let first_seeded = |name: &str| {
        res.accounts
            .iter()
            .filter(|a| !failing.contains(&a.account_id))
            .find_map(|a| a.metrics.iter().find(|m| m.name == name).map(|m| (a, m)))
            .unwrap_or_else(|| panic!("the seed gives some {name} data"))
    };
    let (cpu, invocations) = (first_seeded("CPUUtilization"), first_seeded("Invocations"));
    for (question, (account, metric), want) in [
        (format!("average cpu of instance {} over the last day", cpu.1.resource), cpu, cpu.1.sum / cpu.1.samples),
        (
            format!("max invocations of function {} in {}", invocations.1.resource, invocations.0.account_id),
            invocations,
            invocations.1.maximum,
        ),
    ] {
        let resp = ask(&question).send(&app).await;
        let body = resp.body_json();
        let hits: Vec<(&String, &Value)> = body["results"]
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(a, items)| items.as_array().into_iter().flatten().map(move |i| (a, i)))
            .collect();
        // A function's name recurs in other accounts; the question named the account.
        let hits: Vec<_> = hits.into_iter().filter(|(a, _)| **a == account.account_id).collect();
        assert_eq!(hits.len(), 1, "{question}: {body}");
        let item = hits[0].1;
        assert_eq!(item["metric"], json!(metric.name), "{item}");
        assert_eq!(item["id"], json!(metric.resource), "{item}");
        let got = item["value"].as_f64().expect("a value");
        assert!((got - want).abs() < 1e-9, "{question}: {got} != {want}: {body}");
        assert!(body["answer"].as_str().is_some_and(|a| a.contains(&format!("{want:.2}"))), "{body}");
    }

    // Every service, every account: what a vague question costs.
    let started = Instant::now();
    let resp = ask("what is tagged env=prod?").send(&app).await;
    let everything = started.elapsed();
    assert_eq!(resp.status_code, 200);
    assert_eq!(resp.body_json()["parsed"]["services"].as_array().map(Vec::len), Some(12));
    eprintln!(
        "timing over 30 accounts against moto: first query (AssumeRole for each account, EC2) {:?}; \
         warm EC2 list {:?}; all twelve services with tag filters {:?}",
        cold, warm, everything
    );
}

#[tokio::test]
async fn each_role_is_assumed_once_per_container() {
    let dir = tempfile::tempdir().expect("temp dir");
    let local = Local::start_logged(&dir.path().join("requests.tsv")).await;
    let org = local.aws.seed_org(&OrgSpec { accounts: 5, seed: 12, suspended: 0 }).expect("org");
    let failing = vec![org.accounts.iter().find(|a| a.id != org.management_account_id).expect("member").id.clone()];
    seed_resources(&local.aws, &ResourceSpec { seed: 6, skip_role: failing.clone(), ..ResourceSpec::default() })
        .expect("resources");
    let app = local.app(&[("MAX_CONCURRENCY", "4")]).await;
    let before = local.aws.requests().expect("request log").len();

    let questions = ["how many running ec2 instances", "list s3 buckets", "how many running ec2 instances"];
    for q in questions {
        let resp = post_query("auditor", json!({ "query": q })).send(&app).await;
        assert_eq!(resp.status_code, 200, "{}", resp.body);
        assert_eq!(resp.body_json()["accounts"]["failed"], 1, "{}", resp.body);
    }

    let served = local.aws.requests().expect("request log");
    let assumed = served[before..].iter().filter(|r| r.operation == "AssumeRole").count();
    let healthy = org.accounts.len() - failing.len();
    // Credentials are kept for the container's life; a refusal is asked again next time, so a
    // role created meanwhile is found.
    assert_eq!(assumed, healthy + failing.len() * questions.len(), "{:?}", cima_testkit::tally(&served[before..]));
}
