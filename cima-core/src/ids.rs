//! Formats of Organizations identifiers, checked before any call so a typo is reported against
//! the attribute that holds it.

fn all_lower_alnum(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

fn len_in(s: &str, lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&s.len())
}

/// A 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Why `s` is not an account id, as the provider's diagnostics say it; `None` when it is one.
pub fn account_id_problem(s: &str) -> Option<String> {
    (!is_account_id(s)).then(|| format!("{s:?} is not a 12-digit AWS account id."))
}

/// `r-` followed by 4 to 32 lowercase letters or digits.
pub fn is_root_id(s: &str) -> bool {
    s.strip_prefix("r-").is_some_and(|rest| len_in(rest, 4, 32) && all_lower_alnum(rest))
}

/// `ou-` + 4 to 32 lowercase letters or digits (the root's suffix) + `-` + 8 to 32 more.
pub fn is_ou_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("ou-") else { return false };
    let Some((root, own)) = rest.split_once('-') else { return false };
    len_in(root, 4, 32) && all_lower_alnum(root) && len_in(own, 8, 32) && all_lower_alnum(own)
}

/// `o-` followed by 10 to 32 lowercase letters or digits.
pub fn is_organization_id(s: &str) -> bool {
    s.strip_prefix("o-").is_some_and(|rest| len_in(rest, 10, 32) && all_lower_alnum(rest))
}

/// Why `s` is not a valid parent (root or OU) id, or `None` when it is one.
pub fn parent_id_problem(s: &str) -> Option<String> {
    if is_root_id(s) || is_ou_id(s) {
        None
    } else if is_organization_id(s) {
        Some(format!("{s:?} is an organization id; a parent is the root (r-…) or an OU (ou-…-…)"))
    } else if is_account_id(s) {
        Some(format!("{s:?} is an account id; a parent is the root (r-…) or an OU (ou-…-…)"))
    } else {
        Some(format!(
            "{s:?} is not a root id (r- and 4-32 lowercase letters or digits) or an OU id (ou-, 4-32, a hyphen, then 8-32 lowercase letters or digits)"
        ))
    }
}

/// Why `s` is not an IAM role name (1 to 64 of letters, digits and `+=,.@_-`), or `None`.
pub fn role_name_problem(s: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if !len_in(s, 1, 64) {
        Some(format!("{s:?} has {} characters; an IAM role name has 1 to 64.", s.chars().count()))
    } else {
        let bad = s.chars().find(|c| !allowed(*c));
        bad.map(|c| format!("{s:?} contains {c:?}; an IAM role name has only letters, digits and + = , . @ _ -."))
    }
}

/// Why `s` cannot be the source of events the pipeline puts on a bus, or `None`. PutEvents
/// refuses the `aws.` prefix (AWS services' own) and more than 256 characters.
pub fn event_source_problem(s: &str) -> Option<String> {
    if s.trim().is_empty() || s.len() > 256 {
        Some(format!("{s:?} must have 1 to 256 characters."))
    } else if s.starts_with("aws.") {
        Some(format!("{s:?} starts with \"aws.\", which only AWS services may put on a bus."))
    } else if s.chars().any(char::is_control) {
        Some(format!("{s:?} contains a control character."))
    } else {
        None
    }
}

/// Why a tag is not one IAM and EventBridge accept (key 1 to 128 characters, value at most 256,
/// letters, digits, spaces and `_.:/=+-@`, no `aws:` prefix on the key), or `None`.
pub fn tag_problem(key: &str, value: &str) -> Option<String> {
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c);
    let (k, v) = (key.chars().count(), value.chars().count());
    if !(1..=128).contains(&k) {
        Some(format!("The tag key {key:?} has {k} characters; a key has 1 to 128."))
    } else if key.to_ascii_lowercase().starts_with("aws:") {
        Some(format!("The tag key {key:?} starts with \"aws:\", which AWS reserves."))
    } else if v > 256 {
        Some(format!("The value of tag {key:?} has {v} characters; a value has at most 256."))
    } else {
        let bad = key.chars().chain(value.chars()).find(|c| !allowed(*c));
        bad.map(|c| format!("The tag {key:?} contains {c:?}; tags have letters, digits, spaces and _ . : / = + - @."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901"));
        assert!(!is_account_id("12345678901a"));
        assert!(is_root_id("r-ab12"));
        assert!(!is_root_id("r-AB12"));
        assert!(!is_root_id("r-ab1"));
        assert!(is_ou_id("ou-ab12-abcdefgh"));
        assert!(!is_ou_id("ou-ab12-abcdefg"));
        assert!(!is_ou_id("ou-ab12abcdefgh"));
        assert!(is_organization_id("o-abcdefghij"));
        assert!(!is_organization_id("o-abc"));
    }

    #[test]
    fn parent_problems_say_what_the_value_is() {
        assert_eq!(parent_id_problem("r-ab12"), None);
        assert!(parent_id_problem("o-abcdefghij").unwrap().contains("organization id"));
        assert!(parent_id_problem("123456789012").unwrap().contains("account id"));
        assert!(parent_id_problem("ou-bad").unwrap().contains("not a root id"));
    }

    #[test]
    fn role_names_sources_and_tags() {
        assert_eq!(role_name_problem("CIMA-Case_Reader.1+=,@"), None);
        assert!(role_name_problem("").unwrap().contains("1 to 64"));
        assert!(role_name_problem(&"r".repeat(65)).unwrap().contains("65 characters"));
        assert!(role_name_problem("has space").unwrap().contains("' '"));
        assert!(role_name_problem("path/role").unwrap().contains("'/'"));
        assert_eq!(event_source_problem("cima.enriched"), None);
        assert!(event_source_problem("aws.support").unwrap().contains("aws."));
        assert!(event_source_problem(" ").unwrap().contains("1 to 256"));
        assert!(event_source_problem(&"s".repeat(257)).is_some());
        assert!(event_source_problem("a\nb").unwrap().contains("control"));
        assert_eq!(tag_problem("cost-center", "cc 4711/éu"), None);
        assert_eq!(tag_problem("env", ""), None);
        assert!(tag_problem("", "x").unwrap().contains("1 to 128"));
        assert!(tag_problem("aws:createdBy", "x").unwrap().contains("reserves"));
        assert!(tag_problem("AWS:x", "x").unwrap().contains("reserves"));
        assert!(tag_problem("k", &"v".repeat(257)).unwrap().contains("at most 256"));
        assert!(tag_problem("k", "a;b").unwrap().contains("';'"));
    }
}

/// The parts of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

pub fn parse_arn(s: &str) -> Option<Arn<'_>> {
    let mut parts = s.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let known_partition = matches!(partition, "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b");
    (known_partition && !service.is_empty() && !resource.is_empty()).then_some(Arn {
        partition,
        service,
        region,
        account,
        resource,
    })
}

/// Why `s` is not an ARN of `service` (any service when `None`), or `None` when it is.
pub fn arn_problem(s: &str, service: Option<&str>) -> Option<String> {
    match parse_arn(s) {
        None => Some(format!("{s:?} is not an ARN (arn:partition:service:region:account:resource).")),
        Some(a) => match service {
            Some(want) if a.service != want => Some(format!("{s:?} is an ARN of {}, not of {want}.", a.service)),
            _ if !a.account.is_empty() && !is_account_id(a.account) => {
                Some(format!("{s:?} names account {:?}, which is not a 12-digit account id.", a.account))
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod arn_tests {
    use super::*;

    #[test]
    fn arns() {
        let a = parse_arn("arn:aws:events:us-east-1:123456789012:event-bus/cima").unwrap();
        assert_eq!((a.partition, a.service, a.resource), ("aws", "events", "event-bus/cima"));
        assert!(parse_arn("arn:aws:events").is_none());
        assert!(parse_arn("arn:mars:events:r:123456789012:x").is_none());
        assert_eq!(arn_problem("arn:aws:lambda:us-east-1:123456789012:function:f", Some("lambda")), None);
        assert!(arn_problem("arn:aws:sqs:us-east-1:123456789012:q", Some("lambda")).unwrap().contains("not of lambda"));
        assert!(arn_problem("arn:aws:iam::12:role/x", None).unwrap().contains("12-digit"));
        assert_eq!(arn_problem("arn:aws:iam::123456789012:role/x", Some("iam")), None);
    }
}
