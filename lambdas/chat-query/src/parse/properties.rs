//! Property tests and corpus replays for the question, the body and a model's answer: no input
//! panics, every answer is one validation accepts (see [`super::fuzzing`]).

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::fuzzing;

/// 256 cases per property on every test run; `PROPTEST_CASES` for a longer hunt.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// Every file of fuzz/corpus/`target`.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        })
        .collect();
    assert!(!files.is_empty(), "{} has no seeds", dir.display());
    files
}

/// Every committed seed (crashes found once included) goes through its target again.
#[test]
fn corpora_replay() {
    type Target = (&'static str, fn(&[u8]));
    let targets: [Target; 3] = [
        ("chat_question", fuzzing::question),
        ("chat_body", fuzzing::body),
        ("chat_model_answer", fuzzing::model_answer),
    ];
    for (target, run) in targets {
        for (name, bytes) in corpus(target) {
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(outcome.is_ok(), "fuzz/corpus/{target}/{name}");
        }
    }
}

/// Words every rule keys on, and values that sit on the edges of what they accept.
const WORDS: &[&str] = &[
    "how",
    "many",
    "count",
    "list",
    "ec2",
    "instances",
    "db",
    "buckets",
    "lambda",
    "roles",
    "users",
    "support",
    "cases",
    "tagged",
    "tag",
    "with",
    "key",
    "account",
    "accounts",
    "named",
    "called",
    "in",
    "the",
    "last",
    "past",
    "within",
    "this",
    "week",
    "month",
    "year",
    "today",
    "yesterday",
    "since",
    "after",
    "from",
    "before",
    "until",
    "between",
    "and",
    "severity",
    "sev",
    "critical",
    "urgent",
    "high",
    "low",
    "status",
    "open",
    "resolved",
    "pending",
    "customer",
    "action",
    "running",
    "stopped",
    "available",
    "eu-west-1",
    "us-gov-west-1",
    "ireland",
    "123456789012",
    "env=prod",
    "=",
    "prod",
    "=prod",
    "env=",
    "team:data",
    "aws:cloudformation:stack-name",
    "\"web server\"",
    "'the team'",
    "“Log Archive”",
    "‘x’",
    "Name=\"a b\"",
    "24h",
    "7d",
    "9999y",
    "2w",
    "0d",
    "9999",
    "twelve",
    "2026-01-01",
    "2026-13-45",
    "9999-12-31",
    "0000-01-01",
    "9999-12-31T23:59:59-01:00",
    "0000-01-01T00:00:00+01:00",
    "2026-01-01T12:00:00+02:00",
    "production system down",
    "in progress",
    "?",
    "(",
    ")",
    ",",
    "é",
    "İ",
    "ß",
    "\u{0}",
    "\u{200b}",
];

fn question() -> BoxedStrategy<String> {
    let word = prop_oneof![4 => prop::sample::select(WORDS).prop_map(str::to_owned), 1 => "\\PC{0,12}"];
    let sep = prop::sample::select(vec![" ", " ", " ", "", "\t", "=", "'", "\"", ", "]);
    prop_oneof![
        vec((word, sep), 0..24).prop_map(|parts| parts.into_iter().map(|(w, s)| format!("{w}{s}")).collect()),
        // Long names and keys: past the 50- and 128-character limits.
        ("[a-zA-Z0-9=:_-]{40,300}", prop::sample::select(vec!["tagged ", "account ", "account named ", "tag key "]))
            .prop_map(|(w, lead)| format!("list buckets {lead}{w}")),
        "\\PC{0,80}",
    ]
    .boxed()
}

fn body() -> BoxedStrategy<Value> {
    let id = prop_oneof![
        "[0-9]{12}",
        prop::sample::select(vec!["12345678901", "1234567890123", "", "١٢٣٤٥٦٧٨٩٠١٢"]).prop_map(str::to_owned),
        "\\PC{0,14}",
    ];
    let ids = prop_oneof![
        Just(Value::Null),
        vec(id.prop_map(Value::from), 0..5).prop_map(Value::from),
        (1usize..1005).prop_map(|n| Value::from((0..n).map(|i| format!("{i:012}")).collect::<Vec<_>>())),
        Just(json!("123456789012")),
        Just(json!([123456789012u64])),
    ];
    let query = prop_oneof![
        question().prop_map(Value::from),
        (495usize..505).prop_map(|n| Value::from("é".repeat(n))),
        Just(json!("   ")),
        Just(json!(5)),
        Just(Value::Null),
    ];
    (query, ids, prop::option::weighted(0.1, "\\PC{0,8}"))
        .prop_map(|(q, ids, extra)| {
            let mut m = serde_json::Map::new();
            m.insert("query".into(), q);
            if !ids.is_null() {
                m.insert("account_ids".into(), ids);
            }
            if let Some(k) = extra {
                m.insert(k, json!(1));
            }
            Value::Object(m)
        })
        .boxed()
}

/// Answers shaped like the parser's JSON, with values right, wrong or missing.
fn model_answer() -> BoxedStrategy<String> {
    let text = || {
        prop_oneof![
            prop::sample::select(vec![
                "ec2",
                "s3",
                "rds",
                "lambda",
                "iam",
                "support",
                "list",
                "count",
                "eu-west-1",
                "running",
                "high",
                "open",
                "role",
                "123456789012",
                "2026-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z",
                "9999-12-31T23:59:59Z",
                "0000-01-01T00:00:00+01:00",
                "",
            ])
            .prop_map(Value::from),
            "\\PC{0,10}".prop_map(Value::from),
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
        ]
    };
    let services = vec(text(), 0..4).prop_map(Value::from);
    let filters = (text(), text(), text(), text(), text(), text(), text(), text(), text()).prop_map(
        |(region, state, key, value, id, since, until, severity, status)| {
            json!({"region": region, "state": state, "tag": {"key": key, "value": value}, "account": {"id": id},
                   "time_range": {"since": since, "until": until}, "severity": severity, "status": status})
        },
    );
    let fence = prop::sample::select(vec![("", ""), ("```json\n", "\n```"), ("```", "```"), ("```json", "")]);
    (services, text(), prop::option::of(filters), fence)
        .prop_map(|(services, intent, filters, (open, close))| {
            let mut answer = json!({"services": services, "intent": intent});
            if let Some(f) = filters {
                answer["filters"] = f;
            }
            format!("{open}{answer}{close}")
        })
        .boxed()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_are_refused_or_parsed(bytes in vec(any::<u8>(), 0..256)) {
        fuzzing::question(&bytes);
        fuzzing::body(&bytes);
        fuzzing::model_answer(&bytes);
    }

    #[test]
    fn questions_parse_to_valid_answers(q in question()) {
        fuzzing::question(q.as_bytes());
    }

    #[test]
    fn bodies_are_refused_or_within_limits(b in body()) {
        fuzzing::body(b.to_string().as_bytes());
    }

    #[test]
    fn valid_bodies_round_trip(
        q in "[a-z ]{0,20}[a-z][a-z ]{0,20}",
        ids in prop::option::of(proptest::collection::btree_set("[0-9]{12}", 1..20)),
    ) {
        let ids: Option<Vec<String>> = ids.map(|s| s.into_iter().collect());
        let text = json!({"query": q, "account_ids": ids}).to_string();
        let r = crate::parse_body(Some(&text), false).expect("a valid body");
        prop_assert_eq!((r.query, r.account_ids), (q, ids));
    }

    #[test]
    fn model_answers_are_refused_or_valid(a in model_answer()) {
        fuzzing::model_answer(a.as_bytes());
    }
}
