//! Page tokens and the 1 MB page.
//!
//! A token is base64url of `{"o": offset, "h": check}`, `check` a hash of the query it belongs to
//! (filters and order) and the offset. The offset is nothing secret (anyone may ask for any page);
//! the check catches a token used with other filters or sort, or edited by hand, and answers
//! 400 instead of a page of something else.

use base64::Engine as _;
use cima_core::cases::{CaseFilter, SortKey};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::error::ApiError;

/// Longer tokens were not made here.
pub const MAX_PAGE_TOKEN_CHARS: usize = 200;
/// A page's JSON body stays within this many bytes.
pub const MAX_PAGE_BYTES: usize = 1_000_000;

#[derive(Serialize, Deserialize)]
struct Token {
    o: usize,
    h: String,
}

/// What identifies a list query for its tokens: every filter and the order, canonically.
pub fn fingerprint(filter: &CaseFilter, sort: &[SortKey]) -> String {
    let set = |s: &std::collections::BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>();
    let canonical = serde_json::json!([
        "v1",
        filter.from.map(|d| d.to_string()),
        filter.to.map(|d| d.to_string()),
        set(&filter.account_ids),
        filter.ou,
        set(&filter.severities),
        set(&filter.statuses),
        set(&filter.services),
        filter.submitter.as_ref().map(|s| s.to_lowercase()),
        filter.subject_contains.as_ref().map(|s| s.to_lowercase()),
        sort.iter().map(|k| format!("{}{}", if k.descending { "-" } else { "" }, k.field.name())).collect::<Vec<_>>(),
    ]);
    hex::encode(sha2::Sha256::digest(canonical.to_string().as_bytes()))
}

fn check(fingerprint: &str, offset: usize) -> String {
    let digest = sha2::Sha256::digest(format!("{fingerprint}:{offset}").as_bytes());
    hex::encode(&digest[..12])
}

pub fn encode(fingerprint: &str, offset: usize) -> String {
    let token = Token { o: offset, h: check(fingerprint, offset) };
    let json = serde_json::to_vec(&token).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// The offset a token carries, when it was made for this query.
pub fn decode(token: &str, fingerprint: &str) -> Result<usize, ApiError> {
    let bad = |why: &str| ApiError::bad("page_token", why);
    if token.len() > MAX_PAGE_TOKEN_CHARS {
        return Err(bad("longer than any token this API hands out"));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad("not a token this API handed out"))?;
    let parsed: Token = serde_json::from_slice(&bytes).map_err(|_| bad("not a token this API handed out"))?;
    if parsed.h != check(fingerprint, parsed.o) {
        return Err(bad("made for other filters or another sort, or altered; start again without page_token"));
    }
    Ok(parsed.o)
}

#[cfg(test)]
mod tests {
    use cima_core::cases::DEFAULT_SORT;

    use super::*;

    #[test]
    fn tokens_round_trip_for_their_own_query_only() {
        let filter = CaseFilter { ou: Some("/Production".into()), ..CaseFilter::default() };
        let mine = fingerprint(&filter, &[]);
        let token = encode(&mine, 150);
        assert!(token.len() < MAX_PAGE_TOKEN_CHARS);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{token}");
        assert_eq!(decode(&token, &mine).expect("valid"), 150);

        let other_filter = fingerprint(&CaseFilter::default(), &[]);
        let other_sort = fingerprint(&filter, &[DEFAULT_SORT]);
        assert_ne!(mine, other_filter);
        assert_ne!(mine, other_sort);
        let field = |r: Result<usize, ApiError>| match r {
            Err(ApiError::BadRequest { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(decode(&token, &other_filter)), "page_token");
        assert_eq!(field(decode(&token, &other_sort)), "page_token");

        // An edited offset keeps its old check: refused.
        let json = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&token).expect("b64"))
            .expect("utf8");
        let edited = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.replace("150", "151"));
        assert_eq!(field(decode(&edited, &mine)), "page_token");
        for garbage in ["", "!!!", "eyJvIjoxfQ", &"A".repeat(MAX_PAGE_TOKEN_CHARS + 1)] {
            assert_eq!(field(decode(garbage, &mine)), "page_token", "{garbage}");
        }
        // Case does not make another query of a case-insensitive filter.
        let upper = CaseFilter { subject_contains: Some("DISK".into()), ..CaseFilter::default() };
        let lower = CaseFilter { subject_contains: Some("disk".into()), ..CaseFilter::default() };
        assert_eq!(fingerprint(&upper, &[]), fingerprint(&lower, &[]));
    }
}
