//! The account inventory as a file for the dashboard's account-name join: CSV with the columns
//! the dashboard's `accountsinfo` table reads, or JSON lines.
//!
//! `tag` is one label per account, the value of a tag key the caller names (the dashboard groups
//! by it); `tags` keeps every tag. `tags` is the last column so that the positional
//! (OpenCSVSerde) table still reads objects written before it existed.

use std::fmt::Write as _;

use serde::Serialize;

use super::Account;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "jsonl" => Some(Self::Jsonl),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Jsonl => "application/x-ndjson",
        }
    }
}

pub const CSV_COLUMNS: [&str; 10] =
    ["accountid", "arn", "email", "name", "status", "joinedmethod", "joinedtimestamp", "tag", "ou_path", "tags"];

/// Longest tag key AWS accepts, in characters.
pub const MAX_TAG_KEY_CHARS: usize = 128;

/// Why `key` is not a tag key AWS accepts, or `None` when it is one: 1 to 128 characters of
/// letters, digits, spaces and `_ . : / = + - @`, not starting with the reserved `aws:` (in any
/// case).
pub fn tag_key_problem(key: &str) -> Option<String> {
    tag_key_shape_problem(key).or_else(|| {
        key.get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
            .then(|| format!("{key:?} starts with \"aws:\", which AWS reserves for its own tags."))
    })
}

/// As [`tag_key_problem`], for a key that is only looked up (a filter): AWS's own `aws:` keys
/// may be matched.
pub fn tag_key_shape_problem(key: &str) -> Option<String> {
    let chars = key.chars().count();
    if !(1..=MAX_TAG_KEY_CHARS).contains(&chars) {
        Some(format!("{key:?} is {chars} characters long; a tag key is 1 to {MAX_TAG_KEY_CHARS}."))
    } else {
        // Spaces are Unicode's separators (whitespace that is no control character).
        key.chars()
            .find(|c| !(c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(*c)))
            .map(|c| format!("{key:?} holds {c:?}; a tag key holds letters, digits, spaces and _.:/=+-@ only."))
    }
}

/// Longest tag value AWS accepts, in characters.
pub const MAX_TAG_VALUE_CHARS: usize = 256;

/// The account's label: the value of its tag `tag_key` (exact, case-sensitive match as AWS
/// compares keys); empty when no key is named or the account lacks it.
pub fn label<'a>(a: &'a Account, tag_key: Option<&str>) -> &'a str {
    tag_key.and_then(|k| a.tags.get(k)).map_or("", String::as_str)
}

/// RFC 4180 quoting: only when needed, doubling quotes.
fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Every tag in one column as `key=value` pairs joined by `;`, sorted by key.
fn tags_column(a: &Account) -> String {
    a.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
}

/// One JSON line: the account with its label beside its tags (a map, in key order).
#[derive(Serialize)]
struct JsonLine<'a> {
    id: &'a str,
    arn: &'a str,
    name: &'a str,
    email: &'a str,
    status: &'a str,
    joined_method: &'a str,
    joined_timestamp: &'a str,
    parent_id: &'a str,
    ou_path: &'a str,
    tag: &'a str,
    tags: &'a std::collections::BTreeMap<String, String>,
}

impl<'a> JsonLine<'a> {
    fn of(a: &'a Account, tag_key: Option<&str>) -> Self {
        JsonLine {
            id: &a.id,
            arn: &a.arn,
            name: &a.name,
            email: &a.email,
            status: &a.status,
            joined_method: &a.joined_method,
            joined_timestamp: &a.joined_timestamp,
            parent_id: &a.parent_id,
            ou_path: &a.ou_path,
            tag: label(a, tag_key),
            tags: &a.tags,
        }
    }
}

/// Renders `accounts` (already sorted by the query) deterministically: the same inventory and
/// `tag_key` give the same bytes, so a fingerprint of the body shows whether anything changed.
pub fn render(accounts: &[Account], format: Format, tag_key: Option<&str>) -> String {
    let mut out = String::new();
    match format {
        Format::Csv => {
            out.push_str(&CSV_COLUMNS.join(","));
            out.push('\n');
            for a in accounts {
                let tags = tags_column(a);
                let fields: [&str; CSV_COLUMNS.len()] = [
                    &a.id,
                    &a.arn,
                    &a.email,
                    &a.name,
                    &a.status,
                    &a.joined_method,
                    &a.joined_timestamp,
                    label(a, tag_key),
                    &a.ou_path,
                    &tags,
                ];
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    csv_field(&mut out, f);
                }
                out.push('\n');
            }
        }
        Format::Jsonl => {
            for a in accounts {
                // Struct fields in declaration order, the map in key order: deterministic.
                let _ = writeln!(out, "{}", serde_json::to_string(&JsonLine::of(a, tag_key)).unwrap_or_default());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn account(id: &str, name: &str, tags: &[(&str, &str)]) -> Account {
        Account {
            id: id.into(),
            arn: format!("arn:aws:organizations::1:account/o-x/{id}"),
            name: name.into(),
            email: format!("{id}@example.com"),
            status: "ACTIVE".into(),
            joined_method: "CREATED".into(),
            joined_timestamp: "2024-05-01T10:00:00Z".into(),
            parent_id: "r-ab12".into(),
            ou_path: "/".into(),
            tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn csv_has_the_dashboard_columns_and_quotes_when_needed() {
        let a = account("111111111111", "Web, \"prod\"", &[("team", "a"), ("env", "prod")]);
        let body = render(std::slice::from_ref(&a), Format::Csv, Some("env"));
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines[0], "accountid,arn,email,name,status,joinedmethod,joinedtimestamp,tag,ou_path,tags");
        assert_eq!(
            lines[1],
            "111111111111,arn:aws:organizations::1:account/o-x/111111111111,111111111111@example.com,\"Web, \"\"prod\"\"\",ACTIVE,CREATED,2024-05-01T10:00:00Z,prod,/,env=prod;team=a"
        );
        // No key named, or a key the account lacks: the label is empty, every tag still listed.
        for key in [None, Some("BusinessUnit"), Some("Env")] {
            let body = render(std::slice::from_ref(&a), Format::Csv, key);
            assert!(
                body.lines().nth(1).unwrap().ends_with(",2024-05-01T10:00:00Z,,/,env=prod;team=a"),
                "{key:?}: {body}"
            );
        }
    }

    #[test]
    fn a_label_with_separators_is_quoted() {
        let a = account("1", "a", &[("cc", "a,b \"c\""), ("x", "1")]);
        let body = render(&[a], Format::Csv, Some("cc"));
        assert!(body.ends_with(",\"a,b \"\"c\"\"\",/,\"cc=a,b \"\"c\"\";x=1\"\n"), "{body}");
    }

    #[test]
    fn jsonl_is_one_object_per_line_and_rendering_is_stable() {
        let accounts = [account("1", "a", &[]), account("2", "b", &[("k", "v"), ("env", "dev")])];
        let body = render(&accounts, Format::Jsonl, Some("env"));
        assert_eq!(body.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(body.lines().nth(1).unwrap()).unwrap();
        assert_eq!(v["tags"], serde_json::json!({"env": "dev", "k": "v"}));
        assert_eq!(v["tag"], "dev");
        assert_eq!(v["ou_path"], "/");
        let first: serde_json::Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
        assert_eq!((&first["tag"], &first["tags"]), (&serde_json::json!(""), &serde_json::json!({})));
        assert!(body.lines().nth(1).unwrap().ends_with(r#""ou_path":"/","tag":"dev","tags":{"env":"dev","k":"v"}}"#));
        assert_eq!(body, render(&accounts, Format::Jsonl, Some("env")));
        assert_ne!(body, render(&accounts, Format::Jsonl, None), "the key is part of what is rendered");
        assert_eq!(Format::parse("csv"), Some(Format::Csv));
        assert_eq!(Format::parse("xml"), None);
    }

    #[test]
    fn tag_keys_follow_the_aws_rules() {
        for ok in [
            "env",
            "BusinessUnit",
            "cost-center",
            "a b_c.d:e/f=g+h-i@j",
            "Département",
            "k".repeat(128).as_str(),
            "awsx:y",
            "my:aws:key",
        ] {
            assert_eq!(tag_key_problem(ok), None, "{ok}");
        }
        assert!(tag_key_problem("").unwrap().contains("1 to 128"));
        assert!(tag_key_problem(&"é".repeat(129)).unwrap().contains("129 characters"));
        assert_eq!(tag_key_problem(&"é".repeat(128)), None, "characters, not bytes");
        assert!(tag_key_problem("env*").unwrap().contains("'*'"));
        assert!(tag_key_problem("a\tb").unwrap().contains("letters, digits"));
        for reserved in ["aws:cloudformation:stack-name", "AWS:x", "Aws:"] {
            assert!(tag_key_problem(reserved).unwrap().contains("reserves"), "{reserved}");
        }
    }
}
