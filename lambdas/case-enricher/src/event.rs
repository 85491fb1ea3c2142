//! The events the enricher accepts, parsed from the EventBridge envelope, and everything else
//! rejected with a reason that names what arrived.

use cima_core::contract::{
    BACKFILL_SOURCE, BackfillCursor, BackfillRequest, CLOUDTRAIL_DETAIL_TYPE, SUPPORT_DETAIL_TYPE, SUPPORT_SOURCE,
};
use cima_core::ids::is_account_id;
use serde::Deserialize as _;
use serde_json::Value;

use crate::error::EnricherError;

/// A cursor never skips more than one DescribeCases page.
const MAX_SKIP: usize = 100;

/// What one invocation is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    CaseUpdate(CaseUpdate),
    /// The cases of the last `days` days of `account`, from `cursor` on (`None` on the first).
    Backfill(BackfillRequest),
}

/// An `aws.support` / `Support Case Update` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseUpdate {
    /// The account that owns the case (the event's `account`, kept along forwarding).
    pub account: String,
    pub case_id: String,
    /// CreateCase, AddCommunicationToCase, ResolveCase or ReopenCase.
    pub event_name: String,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// At most this many bytes of any one piece of the event are quoted in a refusal.
const QUOTED_BYTES: usize = 200;

/// `s` cut to [`QUOTED_BYTES`] on a char boundary, marked when cut.
fn clip(mut s: String) -> String {
    if s.len() > QUOTED_BYTES {
        let cut = (0..=QUOTED_BYTES).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// A short, safe description of a value for log lines (never the whole payload).
fn describe(v: &Value) -> String {
    clip(v.to_string())
}

/// A string from the event, quoted and clipped: a source or account id may be any length.
fn quoted(s: &str) -> String {
    clip(format!("{s:?}"))
}

/// The payload as the Lambda runtime reads it (`serde_json`, which bounds nesting), then
/// [`parse`]: what an invocation does with the bytes it is sent.
pub fn parse_payload(bytes: &[u8]) -> Result<Request, EnricherError> {
    let event: Value = serde_json::from_slice(bytes)
        .map_err(|e| EnricherError::Rejected(clip(format!("not an EventBridge event (not JSON: {e})"))))?;
    parse(&event)
}

pub fn parse(event: &Value) -> Result<Request, EnricherError> {
    let reject = |why: String| Err(EnricherError::Rejected(why));
    if !event.is_object() {
        return reject(format!("not an EventBridge event (a JSON object): {}", describe(event)));
    }
    let (Some(source), Some(detail_type)) = (text(event, "source"), text(event, "detail-type")) else {
        return reject(format!("no source/detail-type: not an EventBridge event: {}", describe(event)));
    };
    let detail = event.get("detail").filter(|d| d.is_object());
    match (source, detail_type) {
        (SUPPORT_SOURCE, SUPPORT_DETAIL_TYPE) => {
            let Some(detail) = detail else { return reject("Support Case Update without a detail object".into()) };
            let account = text(event, "account").unwrap_or_default();
            if !is_account_id(account) {
                return reject(format!(
                    "Support Case Update whose account {} is not a 12-digit account id",
                    quoted(account)
                ));
            }
            let case_id = text(detail, "case-id").unwrap_or_default();
            if case_id.is_empty() {
                return reject(format!("Support Case Update without detail.case-id: {}", describe(detail)));
            }
            Ok(Request::CaseUpdate(CaseUpdate {
                account: account.to_owned(),
                case_id: case_id.to_owned(),
                event_name: text(detail, "event-name").unwrap_or_default().to_owned(),
            }))
        }
        (SUPPORT_SOURCE, CLOUDTRAIL_DETAIL_TYPE) => reject(format!(
            "a CloudTrail event ({}), not a Support Case Update: the enrich rule must match detail-type too",
            quoted(detail.and_then(|d| text(d, "eventName")).unwrap_or("?"))
        )),
        (BACKFILL_SOURCE, _) => {
            let Some(detail) = detail else { return reject("backfill request without a detail object".into()) };
            parse_backfill(detail).map(Request::Backfill)
        }
        (s, t) => reject(format!("unexpected source/detail-type {}/{}", quoted(s), quoted(t))),
    }
}

fn parse_backfill(detail: &Value) -> Result<BackfillRequest, EnricherError> {
    let reject = |why: String| Err(EnricherError::Rejected(format!("backfill request {}: {why}", describe(detail))));
    let account = text(detail, "account").unwrap_or_default();
    // Checked field by field (not by deserialising the whole detail) so each refusal says which
    // field was wrong, in the request's own terms.
    let days = detail.get("days").and_then(Value::as_u64).unwrap_or(0);
    let mut request = BackfillRequest { account: account.to_owned(), days, cursor: None };
    if let Err(e) = request.validate() {
        return reject(e.to_string());
    }
    request.cursor = match detail.get("cursor") {
        None | Some(Value::Null) => None,
        Some(c) => match BackfillCursor::deserialize(c) {
            Ok(c)
                if c.skip <= MAX_SKIP
                    && is_rfc3339(&c.after_time)
                    && c.before_time.as_deref().is_none_or(is_rfc3339) =>
            {
                Some(c)
            }
            Ok(_) => return reject(format!("cursor needs RFC 3339 afterTime/beforeTime and skip ≤ {MAX_SKIP}")),
            // serde's message quotes an unknown field's name, which may be any length.
            Err(e) => return reject(clip(format!("cursor: {e}"))),
        },
    };
    Ok(request)
}

fn is_rfc3339(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

/// The entry point for hostile input, shared by the libFuzzer target in `fuzz/` (nightly, run by
/// hand) and the tests that replay its corpus and run property tests on every CI run. Panics
/// only when an invariant breaks, never because the input was bad.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing {
    use cima_core::contract::{BACKFILL_DETAIL_TYPE, BACKFILL_SOURCE};
    use cima_core::ids::is_account_id;
    use serde_json::{Value, json};

    use super::{MAX_SKIP, Request, is_rfc3339, parse, parse_payload};
    use crate::error::EnricherError;

    /// Longest refusal: every piece of the event it quotes is clipped.
    pub const MAX_REFUSAL_BYTES: usize = 1024;

    /// An invocation's payload: a request that is sound, or a short refusal.
    pub fn event(data: &[u8]) {
        match parse_payload(data) {
            Ok(Request::CaseUpdate(u)) => {
                assert!(is_account_id(&u.account), "{:?}", u.account);
                assert!(!u.case_id.is_empty());
            }
            Ok(Request::Backfill(b)) => {
                assert!(b.validate().is_ok(), "{b:?}");
                if let Some(c) = &b.cursor {
                    assert!(c.skip <= MAX_SKIP && is_rfc3339(&c.after_time), "{c:?}");
                }
                // A continuation re-emits the request as its `detail()`: it reads back the same.
                let detail: Value = serde_json::from_str(&b.detail()).expect("a request's detail is JSON");
                let next = json!({"source": BACKFILL_SOURCE, "detail-type": BACKFILL_DETAIL_TYPE, "detail": detail});
                assert_eq!(parse(&next).expect("a re-emitted request parses"), Request::Backfill(b));
            }
            Err(EnricherError::Rejected(why)) => {
                assert!(why.len() <= MAX_REFUSAL_BYTES, "a refusal of {} bytes: {why}", why.len());
            }
            Err(e) => panic!("parsing only ever refuses, but said: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn support_event(detail: Value) -> Value {
        json!({"version": "0", "id": "e1", "detail-type": "Support Case Update", "source": "aws.support",
               "account": "111122223333", "time": "2025-01-01T00:00:00Z", "region": "us-east-1",
               "resources": [], "detail": detail})
    }

    fn rejected(v: Value) -> String {
        match parse(&v) {
            Err(e @ EnricherError::Rejected(_)) => e.to_string(),
            other => panic!("expected a rejection of {v}, got {other:?}"),
        }
    }

    #[test]
    fn support_case_update() {
        let v = support_event(json!({"case-id": "case-1", "display-id": "1", "communication-id": "c",
                                     "event-name": "CreateCase", "origin": "CUSTOMER"}));
        assert_eq!(
            parse(&v).expect("parses"),
            Request::CaseUpdate(CaseUpdate {
                account: "111122223333".into(),
                case_id: "case-1".into(),
                event_name: "CreateCase".into()
            })
        );
    }

    #[test]
    fn cloudtrail_and_garbage_are_rejected_with_a_reason() {
        let trail = json!({"source": "aws.support", "detail-type": "AWS API Call via CloudTrail",
                           "account": "111122223333", "detail": {"eventName": "DescribeCases"}});
        assert!(rejected(trail).contains("CloudTrail event (\"DescribeCases\")"));
        assert!(rejected(json!("hello")).contains("not an EventBridge event"));
        assert!(rejected(json!([1, 2])).contains("not an EventBridge event"));
        assert!(rejected(json!({})).contains("no source/detail-type"));
        assert!(rejected(json!({"source": "aws.ec2", "detail-type": "x"})).contains("unexpected source"));
        assert!(rejected(support_event(json!({"display-id": "1"}))).contains("without detail.case-id"));
        assert!(rejected(support_event(json!("case-1"))).contains("without a detail object"));
        let mut bad_account = support_event(json!({"case-id": "c"}));
        bad_account["account"] = json!("1234");
        assert!(rejected(bad_account).contains("not a 12-digit"));
        let long = json!({"source": "x".repeat(1000), "detail-type": "é".repeat(500)});
        assert!(rejected(long).len() < 3000);
    }

    #[test]
    fn backfill_requests_and_cursors() {
        let first = json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request",
                           "detail": {"account": "111122223333", "days": 365}});
        assert_eq!(
            parse(&first).expect("parses"),
            Request::Backfill(BackfillRequest { account: "111122223333".into(), days: 365, cursor: None })
        );
        let next = json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request",
                          "detail": {"account": "111122223333", "days": 30,
                                     "cursor": {"afterTime": "2025-01-01T00:00:00Z", "nextToken": "t", "skip": 3}}});
        let Request::Backfill(b) = parse(&next).expect("parses") else { panic!("backfill") };
        assert_eq!(
            b.cursor,
            Some(BackfillCursor {
                after_time: "2025-01-01T00:00:00Z".into(),
                before_time: None,
                next_token: Some("t".into()),
                skip: 3
            })
        );
        for detail in [
            json!({"account": "111122223333", "days": 366}),
            json!({"account": "111122223333", "days": 0}),
            json!({"account": "111122223333", "days": "30"}),
            json!({"account": "111122223333", "days": 1.5}),
            json!({"account": "x", "days": 3}),
            json!({"account": "111122223333", "days": 3, "cursor": {"afterTime": "yesterday"}}),
            json!({"account": "111122223333", "days": 3,
                   "cursor": {"afterTime": "2025-01-01T00:00:00Z", "beforeTime": "now"}}),
            json!({"account": "111122223333", "days": 3, "cursor": {"afterTime": "2025-01-01T00:00:00Z", "skip": 500}}),
            json!({"account": "111122223333", "days": 3, "cursor": {"afterTime": "2025-01-01T00:00:00Z", "x": 1}}),
        ] {
            let v = json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request", "detail": detail});
            assert!(rejected(v).starts_with("rejected event: backfill request"));
        }
    }

    #[test]
    fn cursors_round_trip_in_camel_case() {
        let c = BackfillCursor {
            after_time: "2025-01-01T00:00:00Z".into(),
            before_time: Some("2025-01-31T00:00:00.250Z".into()),
            next_token: None,
            skip: 0,
        };
        let v = serde_json::to_value(&c).expect("json");
        assert_eq!(
            v,
            json!({"afterTime": "2025-01-01T00:00:00Z", "beforeTime": "2025-01-31T00:00:00.250Z",
                   "nextToken": null, "skip": 0})
        );
        assert_eq!(BackfillCursor::deserialize(&v).expect("back"), c);
    }

    #[test]
    fn refusals_quote_the_event_short() {
        // Found by the property tests: the source, detail-type, account, CloudTrail event name
        // and a cursor's unknown field name were quoted whole, so a refusal (a log line and the
        // error Lambda records) grew with the event.
        let huge = "é".repeat(100_000);
        for v in [
            json!({"source": huge, "detail-type": huge}),
            json!({"source": "aws.support", "detail-type": "Support Case Update", "account": huge, "detail": {}}),
            json!({"source": "aws.support", "detail-type": "AWS API Call via CloudTrail", "detail": {"eventName": huge}}),
            json!({"source": "cima.backfill", "detail-type": "x",
                   "detail": {"account": "111122223333", "days": 3, "cursor": {"afterTime": "2025-01-01T00:00:00Z", huge.clone(): 1}}}),
        ] {
            let why = rejected(v);
            assert!(why.len() <= fuzzing::MAX_REFUSAL_BYTES, "{} bytes", why.len());
            assert!(why.contains('…'), "{why}");
        }
        let not_json = parse_payload(huge.as_bytes()).unwrap_err().to_string();
        assert!(not_json.starts_with("rejected event: not an EventBridge event (not JSON"), "{not_json}");
    }

    /// Every file of fuzz/corpus/enricher_event.
    fn corpus() -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/enricher_event");
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

    /// Every committed seed (crashes found once included) goes through the target again.
    #[test]
    fn corpus_replays() {
        for (name, bytes) in corpus() {
            let outcome = std::panic::catch_unwind(|| fuzzing::event(&bytes));
            assert!(outcome.is_ok(), "fuzz/corpus/enricher_event/{name}");
        }
    }

    mod properties {
        use proptest::collection::{btree_map, vec};
        use proptest::prelude::*;
        use serde_json::{Value, json};

        use super::super::fuzzing;

        /// 256 cases per property on every test run; `PROPTEST_CASES` for a longer hunt.
        fn config() -> ProptestConfig {
            let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
            ProptestConfig { cases, ..ProptestConfig::default() }
        }

        fn text() -> BoxedStrategy<String> {
            prop_oneof![
                prop::sample::select(vec![
                    "",
                    "aws.support",
                    "cima.backfill",
                    "Support Case Update",
                    "AWS API Call via CloudTrail",
                    "CIMA Backfill Request",
                    "111122223333",
                    "1111222233334",
                    "case-1",
                    "2025-01-01T00:00:00Z",
                    "2025-01-01T00:00:00.250+02:00",
                    "9999-12-31T23:59:59-23:59",
                    "0000-01-01T00:00:00+23:59",
                    "2016-12-31T23:59:60Z",
                    "yesterday",
                    "é",
                    "\u{0}",
                ])
                .prop_map(str::to_owned),
                "\\PC{0,24}",
            ]
            .boxed()
        }

        fn number() -> BoxedStrategy<Value> {
            prop_oneof![
                any::<u64>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                (0u64..400).prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                (0usize..200).prop_map(Value::from),
            ]
            .boxed()
        }

        /// Any JSON, keys drawn mostly from the ones the parser reads.
        fn any_json() -> BoxedStrategy<Value> {
            let key = prop_oneof![
                prop::sample::select(vec![
                    "source",
                    "detail-type",
                    "detail",
                    "account",
                    "case-id",
                    "event-name",
                    "eventName",
                    "days",
                    "cursor",
                    "afterTime",
                    "beforeTime",
                    "nextToken",
                    "skip",
                ])
                .prop_map(str::to_owned),
                "\\PC{0,8}",
            ];
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                number(),
                text().prop_map(Value::from)
            ];
            leaf.prop_recursive(4, 32, 6, move |inner| {
                prop_oneof![
                    vec(inner.clone(), 0..4).prop_map(Value::from),
                    btree_map(key.clone(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
            .boxed()
        }

        /// Mostly `real`, sometimes anything.
        fn mostly(real: &'static [&'static str]) -> BoxedStrategy<String> {
            prop_oneof![3 => prop::sample::select(real).prop_map(str::to_owned), 1 => text()].boxed()
        }

        /// Events close to the real ones: every field present or not, mostly right, sometimes wrong.
        fn near_event() -> BoxedStrategy<Value> {
            let maybe = |s: BoxedStrategy<Value>| prop::option::weighted(0.8, s);
            let time =
                || mostly(&["2025-01-01T00:00:00Z", "2025-01-31T00:00:00.250+02:00"]).prop_map(Value::from).boxed();
            let days = prop_oneof![3 => (1u64..=365).prop_map(Value::from), 1 => number()].boxed();
            let skip = prop_oneof![3 => (0u64..=100).prop_map(Value::from), 1 => number()].boxed();
            let cursor = (
                maybe(time()),
                maybe(time()),
                maybe(text().prop_map(Value::from).boxed()),
                maybe(skip),
                prop::option::weighted(0.1, any_json()),
            )
                .prop_map(|(after, before, token, skip, extra)| {
                    let mut c = serde_json::Map::new();
                    for (k, v) in [
                        ("afterTime", after),
                        ("beforeTime", before),
                        ("nextToken", token),
                        ("skip", skip),
                        ("x", extra),
                    ] {
                        if let Some(v) = v {
                            c.insert(k.to_owned(), v);
                        }
                    }
                    Value::Object(c)
                });
            let account = || mostly(&["111122223333"]);
            let detail = prop_oneof![
                (mostly(&["case-1"]), text()).prop_map(|(case, name)| json!({"case-id": case, "event-name": name})),
                (account(), days, prop::option::of(cursor)).prop_map(|(account, days, cursor)| {
                    json!({"account": account, "days": days, "cursor": cursor})
                }),
                any_json(),
            ];
            let sources = mostly(&["aws.support", "cima.backfill"]);
            let detail_types = mostly(&["Support Case Update", "AWS API Call via CloudTrail", "CIMA Backfill Request"]);
            (sources, detail_types, account(), detail).prop_map(|(source, detail_type, account, detail)| {
                json!({"version": "0", "source": source, "detail-type": detail_type, "account": account, "detail": detail})
            })
            .boxed()
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn arbitrary_bytes_are_refused_or_parsed(bytes in vec(any::<u8>(), 0..256)) {
                fuzzing::event(&bytes);
            }

            #[test]
            fn arbitrary_json_is_refused_or_parsed(v in any_json()) {
                fuzzing::event(v.to_string().as_bytes());
            }

            #[test]
            fn near_events_are_refused_or_sound(v in near_event()) {
                fuzzing::event(v.to_string().as_bytes());
            }
        }
    }
}
