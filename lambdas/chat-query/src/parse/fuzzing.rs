//! Entry points for hostile input, shared by the libFuzzer targets in `fuzz/` (nightly, run by
//! hand) and the tests that replay their corpora and run property tests on every CI run. Each
//! panics only when an invariant breaks, never because the input was bad.

use std::collections::BTreeSet;

use time::OffsetDateTime;
use time::macros::datetime;

use super::{Parsed, Source, parse};
use crate::error::{ApiError, ModelError};
use crate::{MAX_ACCOUNT_IDS, MAX_QUERY_CHARS, bedrock, parse_body};

/// A fixed clock, so a crash found once is found again.
pub const NOW: OffsetDateTime = datetime!(2026-11-23 18:30:00 UTC);

/// The deterministic parser, on any text (the API lets 500 characters through; the parser does
/// not rely on that): every service at most once, in order, and an answer that passes the same
/// validation a model's answer must, and survives the history's JSON.
pub fn question(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let p = parse(text, NOW);
    check_parsed(&p, Source::Deterministic);
}

/// `POST /query`'s body, as text and as base64: a request within every limit, or a 400 that
/// names a field. A valid body's question is parsed too, as the handler does.
pub fn body(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for base64 in [false, true] {
        match parse_body(Some(text), base64) {
            Ok(r) => {
                assert!(!r.query.trim().is_empty() && r.query.chars().count() <= MAX_QUERY_CHARS, "{:?}", r.query);
                if let Some(ids) = &r.account_ids {
                    assert!((1..=MAX_ACCOUNT_IDS).contains(&ids.len()));
                    assert!(ids.iter().all(|id| cima_core::ids::is_account_id(id)), "{ids:?}");
                    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "{ids:?}");
                }
                check_parsed(&parse(&r.query, NOW), Source::Deterministic);
            }
            Err(ApiError::BadRequest { field, .. }) => assert!(!field.is_empty()),
            Err(e) => panic!("a body is only ever refused as a bad request, but: {e}"),
        }
    }
}

/// A model's answer (untrusted text): the parser's shape with valid values, or a reason to fall
/// back to the deterministic parser.
pub fn model_answer(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match bedrock::read_answer(text, NOW) {
        Ok(p) => check_parsed(&p, Source::Bedrock),
        Err(ModelError::Json(_) | ModelError::Invalid(_)) => {}
        Err(e) => panic!("reading an answer makes no call, but: {e}"),
    }
}

fn check_parsed(p: &Parsed, source: Source) {
    assert_eq!(p.source, source);
    assert!(p.services.windows(2).all(|w| w[0] < w[1]) || source == Source::Bedrock, "{:?}", p.services);
    if let Err(e) = p.validate(NOW) {
        panic!("the {source:?} parser answered what validation refuses ({e}): {p:?}");
    }
    let stored = serde_json::to_string(p).expect("a parsed question serializes");
    assert_eq!(&serde_json::from_str::<Parsed>(&stored).expect("and reads back"), p);
}
