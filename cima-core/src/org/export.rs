//! The account inventory as a file for the dashboard's account-name join: CSV with the columns
//! the dashboard's `accountsinfo` table reads, or JSON lines.

use std::fmt::Write as _;

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

pub const CSV_COLUMNS: [&str; 9] =
    ["accountid", "arn", "email", "name", "status", "joinedmethod", "joinedtimestamp", "tag", "ou_path"];

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

/// Tags in one column as `key=value` pairs joined by `;`, sorted by key.
fn tag_column(a: &Account) -> String {
    a.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
}

/// Renders `accounts` (already sorted by the query) deterministically: the same inventory gives
/// the same bytes, so a fingerprint of the body shows whether anything changed.
pub fn render(accounts: &[Account], format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Csv => {
            out.push_str(&CSV_COLUMNS.join(","));
            out.push('\n');
            for a in accounts {
                let tag = tag_column(a);
                let fields = [
                    &a.id,
                    &a.arn,
                    &a.email,
                    &a.name,
                    &a.status,
                    &a.joined_method,
                    &a.joined_timestamp,
                    &tag,
                    &a.ou_path,
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
                // serde_json keeps struct field order and BTreeMap key order: deterministic.
                let _ = writeln!(out, "{}", serde_json::to_string(a).unwrap_or_default());
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
        let body = render(&[account("111111111111", "Web, \"prod\"", &[("team", "a"), ("env", "prod")])], Format::Csv);
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines[0], "accountid,arn,email,name,status,joinedmethod,joinedtimestamp,tag,ou_path");
        assert_eq!(
            lines[1],
            "111111111111,arn:aws:organizations::1:account/o-x/111111111111,111111111111@example.com,\"Web, \"\"prod\"\"\",ACTIVE,CREATED,2024-05-01T10:00:00Z,env=prod;team=a,/"
        );
    }

    #[test]
    fn jsonl_is_one_object_per_line_and_rendering_is_stable() {
        let accounts = [account("1", "a", &[]), account("2", "b", &[("k", "v")])];
        let body = render(&accounts, Format::Jsonl);
        assert_eq!(body.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(body.lines().nth(1).unwrap()).unwrap();
        assert_eq!(v["tags"]["k"], "v");
        assert_eq!(v["ou_path"], "/");
        assert_eq!(body, render(&accounts, Format::Jsonl));
        assert_eq!(Format::parse("csv"), Some(Format::Csv));
        assert_eq!(Format::parse("xml"), None);
    }
}
