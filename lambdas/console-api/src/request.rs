//! The query string, read strictly: every parameter known, every value checked, each error
//! naming its parameter. `rawQueryString` is read rather than `queryStringParameters`, where API
//! Gateway joins repeated values with commas and a `q` holding a comma could not be told apart.

use std::collections::BTreeSet;

use cima_core::cases::{CaseFilter, SortKey, parse_sort};
use cima_core::ids::is_account_id;
use cima_core::support::{SEVERITIES, STATUSES};
use time::Date;

use crate::error::ApiError;

/// Larger query strings hold no valid request (1000 account ids are ~13 KiB).
pub const MAX_QUERY_STRING_BYTES: usize = 16 * 1024;
pub const MAX_SUBJECT_QUERY_CHARS: usize = 200;
pub const MAX_SUBMITTER_CHARS: usize = 254;
pub const MAX_OU_PATH_CHARS: usize = 1024;
pub const MAX_SERVICES: usize = 100;
pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 500;

/// Parameters both `/cases` and `/cases/summary` take.
pub const FILTER_PARAMETERS: [&str; 9] =
    ["from", "to", "account_id", "ou", "severity", "service", "status", "submitter", "q"];
/// Parameters only `/cases` takes.
pub const LIST_PARAMETERS: [&str; 3] = ["sort", "page_token", "page_size"];
/// Parameters that may come more than once (their values add up); the others once at most.
const REPEATABLE: [&str; 4] = ["account_id", "severity", "service", "status"];

/// Decoded `name=value` pairs, in order.
pub type Pairs = Vec<(String, String)>;

/// The pairs of a raw query string (`+` a space, `%XX` a byte, UTF-8 after decoding).
pub fn parse_query_string(raw: &str) -> Result<Pairs, ApiError> {
    if raw.len() > MAX_QUERY_STRING_BYTES {
        return Err(ApiError::bad("query", format!("the query string is longer than {MAX_QUERY_STRING_BYTES} bytes")));
    }
    let mut pairs = Vec::new();
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let name = decode(name)
            .ok_or_else(|| ApiError::bad("query", "a parameter name is not valid percent-encoded UTF-8"))?;
        let value = decode(value).ok_or_else(|| ApiError::bad(field(&name), "not valid percent-encoded UTF-8"))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// The field a 400 names for parameter `name`: the query string itself when the name is empty,
/// so every refusal names something (`=x` named "", found by the property tests).
fn field(name: &str) -> &str {
    if name.is_empty() { "query" } else { name }
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits exactly: `from_str_radix` alone also takes a sign, so `%+1`
                // read as byte 1 (found by the property tests).
                let hex = bytes.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Values per parameter, after refusing unknown parameters and repeats of single ones. Empty
/// values count as not given (a console sends `q=` for an empty box).
struct Params<'a> {
    pairs: &'a Pairs,
}

impl<'a> Params<'a> {
    fn new(pairs: &'a Pairs, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut seen = BTreeSet::new();
        for (name, _) in pairs {
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::bad(
                    field(name),
                    format!(
                        "{}; this route takes {}",
                        if name.is_empty() { "a parameter with no name" } else { "unknown parameter" },
                        allowed.join(", ")
                    ),
                ));
            }
            if !seen.insert(name.as_str()) && !REPEATABLE.contains(&name.as_str()) {
                return Err(ApiError::bad(name.as_str(), "given more than once"));
            }
        }
        Ok(Params { pairs })
    }

    fn one(&self, name: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(n, v)| n == name && !v.trim().is_empty()).map(|(_, v)| v.trim())
    }

    /// Every value of a repeatable parameter, commas splitting values too.
    fn many(&self, name: &str) -> Vec<&'a str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// `YYYY-MM-DD` exactly.
fn date(name: &str, v: &str) -> Result<Date, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if v.len() != 10 {
        return Err(ApiError::bad(name, format!("{v:?} is not a date as YYYY-MM-DD")));
    }
    Date::parse(v, &format).map_err(|_| ApiError::bad(name, format!("{v:?} is not a date as YYYY-MM-DD")))
}

fn no_control(name: &str, v: &str) -> Result<(), ApiError> {
    if v.chars().any(char::is_control) {
        return Err(ApiError::bad(name, "control characters are not allowed"));
    }
    Ok(())
}

fn is_service_code(v: &str) -> bool {
    (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An address as Support records `submittedBy`: `local@domain`, the characters of an e-mail
/// address, bounded.
fn is_submitter(v: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b);
    match v.split_once('@') {
        Some((local, domain)) => {
            v.len() <= MAX_SUBMITTER_CHARS
                && !local.is_empty()
                && !domain.is_empty()
                && local.bytes().all(allowed)
                && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        }
        None => false,
    }
}

/// The filters of `/cases` and `/cases/summary`.
fn filter(p: &Params, max_accounts: usize) -> Result<CaseFilter, ApiError> {
    let from = p.one("from").map(|v| date("from", v)).transpose()?;
    let to = p.one("to").map(|v| date("to", v)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::bad("to", format!("{t} is before from ({f})")));
    }
    let mut account_ids = BTreeSet::new();
    for id in p.many("account_id") {
        if !is_account_id(id) {
            return Err(ApiError::bad("account_id", format!("{id:?} is not a 12-digit account id")));
        }
        account_ids.insert(id.to_owned());
    }
    if account_ids.len() > max_accounts {
        return Err(ApiError::bad(
            "account_id",
            format!("at most {max_accounts} accounts per request (got {})", account_ids.len()),
        ));
    }
    let ou = match p.one("ou") {
        None => None,
        Some(v) => {
            no_control("ou", v)?;
            if !v.starts_with('/') || v.chars().count() > MAX_OU_PATH_CHARS {
                return Err(ApiError::bad(
                    "ou",
                    format!(
                        "an OU path starts with / (like /Production/Web) and has at most {MAX_OU_PATH_CHARS} characters"
                    ),
                ));
            }
            let trimmed = v.trim_end_matches('/');
            Some(if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_owned() })
        }
    };
    let known = |name: &str, values: Vec<&str>, allowed: &[&str]| -> Result<BTreeSet<String>, ApiError> {
        values
            .into_iter()
            .map(|v| {
                if allowed.contains(&v) {
                    Ok(v.to_owned())
                } else {
                    Err(ApiError::bad(name, format!("{v:?} is not one of {}", allowed.join(", "))))
                }
            })
            .collect()
    };
    let severity_codes: Vec<&str> = SEVERITIES.iter().map(|(c, _)| *c).collect();
    let severities = known("severity", p.many("severity"), &severity_codes)?;
    let statuses = known("status", p.many("status"), &STATUSES)?;
    let mut services = BTreeSet::new();
    for v in p.many("service") {
        if !is_service_code(v) {
            return Err(ApiError::bad("service", format!("{v:?} is not a service code (a-z, 0-9 and -, up to 64)")));
        }
        services.insert(v.to_owned());
    }
    if services.len() > MAX_SERVICES {
        return Err(ApiError::bad("service", format!("at most {MAX_SERVICES} services per request")));
    }
    let submitter = match p.one("submitter") {
        None => None,
        Some(v) if is_submitter(v) => Some(v.to_owned()),
        Some(_) => {
            return Err(ApiError::bad(
                "submitter",
                format!("not an e-mail address (name@domain, at most {MAX_SUBMITTER_CHARS} characters)"),
            ));
        }
    };
    let subject_contains = match p.one("q") {
        None => None,
        Some(v) => {
            no_control("q", v)?;
            let chars = v.chars().count();
            if chars > MAX_SUBJECT_QUERY_CHARS {
                return Err(ApiError::bad("q", format!("at most {MAX_SUBJECT_QUERY_CHARS} characters (got {chars})")));
            }
            Some(v.to_owned())
        }
    };
    Ok(CaseFilter { from, to, account_ids, ou, severities, statuses, services, submitter, subject_contains })
}

/// `/cases/summary`'s parameters.
pub fn summary_params(pairs: &Pairs, max_accounts: usize) -> Result<CaseFilter, ApiError> {
    filter(&Params::new(pairs, &FILTER_PARAMETERS)?, max_accounts)
}

/// `/cases`'s parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListParams {
    pub filter: CaseFilter,
    /// Empty: the default order (newest first).
    pub sort: Vec<SortKey>,
    pub page_size: usize,
    /// As given; checked against the query in [`crate::paging`].
    pub page_token: Option<String>,
}

pub fn list_params(pairs: &Pairs, max_accounts: usize) -> Result<ListParams, ApiError> {
    let allowed: Vec<&str> = FILTER_PARAMETERS.iter().chain(LIST_PARAMETERS.iter()).copied().collect();
    let p = Params::new(pairs, &allowed)?;
    let filter = filter(&p, max_accounts)?;
    let sort = match p.one("sort") {
        None => Vec::new(),
        Some(v) => parse_sort(v).map_err(|e| ApiError::bad("sort", e.to_string()))?,
    };
    let page_size = match p.one("page_size") {
        None => DEFAULT_PAGE_SIZE,
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=MAX_PAGE_SIZE).contains(n)).ok_or_else(|| {
            ApiError::bad("page_size", format!("{v:?} is not a whole number from 1 to {MAX_PAGE_SIZE}"))
        })?,
    };
    Ok(ListParams { filter, sort, page_size, page_token: p.one("page_token").map(str::to_owned) })
}

/// Routes that take no parameters refuse any.
pub fn no_params(pairs: &Pairs) -> Result<(), ApiError> {
    Params::new(pairs, &[]).map(|_| ())
}

/// The entry point for hostile input, shared by the libFuzzer target in `fuzz/` (nightly, run by
/// hand) and the tests that replay its corpus and run property tests on every CI run. Panics
/// only when an invariant breaks, never because the input was bad.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing {
    use cima_core::ids::is_account_id;
    use cima_core::support::{SEVERITIES, STATUSES};

    use super::*;
    use crate::paging;

    /// The per-request account cap the tests use (the deployed default is larger).
    pub const MAX_ACCOUNTS: usize = 3;

    /// A raw query string for `/cases`, `/cases/summary` and `/cases/{caseId}`, and the same text
    /// as a page token: typed values within every limit, or a 400 that names a parameter.
    pub fn query(data: &[u8]) {
        let Ok(raw) = std::str::from_utf8(data) else { return };
        let _ = page_token(raw);
        let pairs = match parse_query_string(raw) {
            Ok(pairs) => pairs,
            Err(e) => return refused(e),
        };
        // What we write back in the same form reads back the same.
        assert_eq!(parse_query_string(&encode_query(&pairs)).expect("re-encoded pairs parse"), pairs);
        match summary_params(&pairs, MAX_ACCOUNTS) {
            Ok(f) => check_filter(&f),
            Err(e) => refused(e),
        }
        if let Err(e) = no_params(&pairs) {
            refused(e);
        }
        let p = match list_params(&pairs, MAX_ACCOUNTS) {
            Ok(p) => p,
            Err(e) => return refused(e),
        };
        check_filter(&p.filter);
        assert!((1..=MAX_PAGE_SIZE).contains(&p.page_size));
        assert!(p.sort.len() <= cima_core::cases::MAX_SORT_KEYS);
        let fingerprint = paging::fingerprint(&p.filter, &p.sort);
        if let Some(token) = &p.page_token {
            match paging::decode(token, &fingerprint) {
                Ok(offset) => {
                    assert_eq!(paging::decode(&paging::encode(&fingerprint, offset), &fingerprint).ok(), Some(offset))
                }
                Err(e) => refused(e),
            }
        }
    }

    /// A page token made for other filters, or by hand: refused unless it carries its check.
    /// (Other spellings of the same JSON pass too; the offset is no secret.)
    fn page_token(token: &str) -> Result<usize, ApiError> {
        let fingerprint = paging::fingerprint(&cima_core::cases::CaseFilter::default(), &[]);
        let offset = paging::decode(token, &fingerprint)?;
        assert_eq!(paging::decode(&paging::encode(&fingerprint, offset), &fingerprint).ok(), Some(offset));
        Ok(offset)
    }

    fn refused(e: ApiError) {
        match e {
            ApiError::BadRequest { field, .. } => assert!(!field.is_empty(), "a 400 that names no parameter"),
            other => panic!("parameters are only ever refused as a bad request, but: {other}"),
        }
    }

    fn check_filter(f: &cima_core::cases::CaseFilter) {
        assert!(f.account_ids.len() <= MAX_ACCOUNTS && f.account_ids.iter().all(|id| is_account_id(id)));
        assert!(f.severities.iter().all(|s| SEVERITIES.iter().any(|(code, _)| code == s)), "{:?}", f.severities);
        assert!(f.statuses.iter().all(|s| STATUSES.contains(&s.as_str())), "{:?}", f.statuses);
        assert!(f.services.len() <= MAX_SERVICES && f.services.iter().all(|s| is_service_code(s)));
        assert!(f.ou.as_deref().is_none_or(|ou| ou.starts_with('/') && !ou.chars().any(char::is_control)));
        assert!(f.submitter.as_deref().is_none_or(is_submitter));
        assert!(
            f.subject_contains
                .as_deref()
                .is_none_or(|q| { q.chars().count() <= MAX_SUBJECT_QUERY_CHARS && !q.chars().any(char::is_control) })
        );
        if let (Some(from), Some(to)) = (f.from, f.to) {
            assert!(from <= to);
        }
    }

    /// `pairs` as a query string: unreserved bytes as they are, every other one as `%XX`.
    pub fn encode_query(pairs: &Pairs) -> String {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        pairs.iter().map(|(n, v)| format!("{}={}", enc(n), enc(v))).collect::<Vec<_>>().join("&")
    }
}

#[cfg(test)]
mod tests {
    use cima_core::cases::SortField;
    use time::macros::date;

    use super::*;

    fn field(r: Result<impl std::fmt::Debug, ApiError>) -> String {
        match r {
            Err(ApiError::BadRequest { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    fn list(raw: &str) -> Result<ListParams, ApiError> {
        list_params(&parse_query_string(raw)?, 3)
    }

    #[test]
    fn decodes_percent_plus_and_utf8() {
        let pairs = parse_query_string("q=disk+full%2C%20again&ou=%2FProd%C3%A9&empty&=x").expect("pairs");
        let want: Pairs = vec![
            ("q".into(), "disk full, again".into()),
            ("ou".into(), "/Prodé".into()),
            ("empty".into(), String::new()),
            (String::new(), "x".into()),
        ];
        assert_eq!(pairs, want);
        assert_eq!(field(parse_query_string("q=%E2%28")), "q");
        assert_eq!(field(parse_query_string("q=%G1")), "q");
        assert_eq!(field(parse_query_string("q=%4")), "q");
        // Found by the property tests: a sign passed for a hex digit, and an empty name was the
        // field a refusal named.
        assert_eq!(field(parse_query_string("q=%+1")), "q");
        assert_eq!(field(parse_query_string("q=%-1")), "q");
        assert_eq!(field(parse_query_string("=%FF")), "query");
        assert_eq!(field(list("=x")), "query");
        assert_eq!(field(parse_query_string(&"a".repeat(MAX_QUERY_STRING_BYTES + 1))), "query");
    }

    #[test]
    fn every_filter_is_read() {
        let p = list(
            "from=2025-01-01&to=2025-01-31&account_id=111111111111,222222222222&account_id=111111111111\
             &ou=/Production/Web/&severity=high&severity=urgent,critical&service=amazon-ec2&status=opened\
             &submitter=Dev%40Example.com&q=Disk&sort=-severity_code,account_name&page_size=500&page_token=abc",
        )
        .expect("valid");
        let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        assert_eq!(
            p.filter,
            CaseFilter {
                from: Some(date!(2025 - 01 - 01)),
                to: Some(date!(2025 - 01 - 31)),
                account_ids: set(&["111111111111", "222222222222"]),
                ou: Some("/Production/Web".into()),
                severities: set(&["critical", "high", "urgent"]),
                statuses: set(&["opened"]),
                services: set(&["amazon-ec2"]),
                submitter: Some("Dev@Example.com".into()),
                subject_contains: Some("Disk".into()),
            }
        );
        assert_eq!(p.sort[0], SortKey { field: SortField::Severity, descending: true });
        assert_eq!((p.page_size, p.page_token.as_deref()), (500, Some("abc")));
        let defaults = list("q=&severity=").expect("empty values are not given");
        assert_eq!((defaults.filter, defaults.sort, defaults.page_size), (CaseFilter::default(), vec![], 50));
        assert_eq!(list("ou=/").expect("root").filter.ou.as_deref(), Some("/"));
    }

    #[test]
    fn each_bad_value_names_its_parameter() {
        for (raw, want) in [
            ("from=2025-1-01", "from"),
            ("from=2025-02-30", "from"),
            ("to=yesterday", "to"),
            ("from=2025-02-02&to=2025-02-01", "to"),
            ("account_id=12345678901", "account_id"),
            ("account_id=111111111111,222222222222&account_id=333333333333,444444444444", "account_id"),
            ("ou=Production", "ou"),
            ("ou=/a%0Ab", "ou"),
            ("severity=sev1", "severity"),
            ("severity=low,High", "severity"),
            ("status=open", "status"),
            ("service=Amazon_EC2", "service"),
            ("submitter=nobody", "submitter"),
            ("submitter=a%20b@c.d", "submitter"),
            ("q=%00", "q"),
            ("sort=detail.subject", "sort"),
            ("sort=subject;DROP", "sort"),
            ("page_size=0", "page_size"),
            ("page_size=501", "page_size"),
            ("page_size=ten", "page_size"),
            ("from=2025-01-01&from=2025-01-02", "from"),
            ("user=admin", "user"),
        ] {
            assert_eq!(field(list(raw)), want, "{raw}");
        }
        assert_eq!(field(list(&format!("q={}", "x".repeat(201)))), "q");
        assert!(list(&format!("q={}", "é".repeat(200))).is_ok());
        assert_eq!(field(list(&format!("submitter={}@example.com", "a".repeat(250)))), "submitter");
        // The summary takes the filters only.
        assert_eq!(field(summary_params(&parse_query_string("page_size=5").expect("pairs"), 3)), "page_size");
        assert_eq!(field(no_params(&parse_query_string("x=1").expect("pairs"))), "x");
    }

    /// Every file of fuzz/corpus/console_query.
    fn corpus() -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/console_query");
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
            let outcome = std::panic::catch_unwind(|| fuzzing::query(&bytes));
            assert!(outcome.is_ok(), "fuzz/corpus/console_query/{name}");
        }
    }

    mod properties {
        use proptest::collection::vec;
        use proptest::prelude::*;

        use super::super::{FILTER_PARAMETERS, LIST_PARAMETERS, Pairs, fuzzing, parse_query_string};
        use crate::paging;

        /// 256 cases per property on every test run; `PROPTEST_CASES` for a longer hunt.
        fn config() -> ProptestConfig {
            let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
            ProptestConfig { cases, ..ProptestConfig::default() }
        }

        /// Values on both sides of what each parameter takes.
        const VALUES: &[&str] = &[
            "",
            " ",
            "2025-01-01",
            "2025-02-30",
            "9999-12-31",
            "0000-01-01",
            "+999-01-01",
            "-0001-01-01",
            "2025-1-1",
            "111111111111",
            "111111111111,222222222222",
            "1111111111111",
            "١١١١١١١١١١١١",
            "/",
            "/Production/Web/",
            "Production",
            "/a\u{0}b",
            "high",
            "urgent,critical",
            "low,High",
            "opened",
            "pending-customer-action",
            "open",
            "amazon-ec2",
            "Amazon_EC2",
            "dev@example.com",
            "a@b",
            "@b",
            "a@",
            "-severity_code,account_name",
            "subject;DROP",
            "time_created,time_created",
            "1",
            "500",
            "501",
            "0",
            "18446744073709551616",
            "é",
            "%",
            "%+1",
            "%-1",
            "%4",
            "%E2%28",
            "%C3%A9",
            "+",
        ];

        fn name() -> BoxedStrategy<String> {
            let known: Vec<&str> = FILTER_PARAMETERS.iter().chain(LIST_PARAMETERS.iter()).copied().collect();
            prop_oneof![
                6 => prop::sample::select(known).prop_map(str::to_owned),
                1 => "\\PC{0,6}",
                1 => Just(String::new()),
            ]
            .boxed()
        }

        fn value() -> BoxedStrategy<String> {
            prop_oneof![
                4 => prop::sample::select(VALUES).prop_map(str::to_owned),
                1 => "\\PC{0,12}",
                1 => "[a-z]{195,205}",
                1 => (0usize..5000).prop_map(|o| paging::encode(&paging::fingerprint(&Default::default(), &[]), o)),
            ]
            .boxed()
        }

        /// Raw query strings: pairs as a browser sends them, or with raw text spliced in.
        fn raw() -> BoxedStrategy<String> {
            let pair = (name(), value(), any::<bool>()).prop_map(|(n, v, encode)| {
                if encode { fuzzing::encode_query(&vec![(n, v)]) } else { format!("{n}={v}") }
            });
            prop_oneof![vec(pair, 0..8).prop_map(|p| p.join("&")), "[a-z_=&%+0-9A-F,/@.-]{0,60}", "\\PC{0,40}",].boxed()
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn arbitrary_bytes_are_refused_or_parsed(bytes in vec(any::<u8>(), 0..256)) {
                fuzzing::query(&bytes);
            }

            #[test]
            fn query_strings_are_refused_or_within_limits(raw in raw()) {
                fuzzing::query(raw.as_bytes());
            }

            #[test]
            fn any_pairs_round_trip(pairs in vec(("\\PC{0,8}", "\\PC{0,12}"), 0..6)) {
                let pairs: Pairs = pairs.into_iter().filter(|(n, v): &(String, String)| !(n.is_empty() && v.is_empty())).collect();
                prop_assert_eq!(parse_query_string(&fuzzing::encode_query(&pairs)).expect("parses"), pairs);
            }

            #[test]
            fn page_tokens_round_trip(offset in any::<usize>(), q in "\\PC{0,10}") {
                let filter = cima_core::cases::CaseFilter { subject_contains: Some(q), ..Default::default() };
                let fingerprint = paging::fingerprint(&filter, &[]);
                prop_assert_eq!(paging::decode(&paging::encode(&fingerprint, offset), &fingerprint).ok(), Some(offset));
            }
        }
    }
}
