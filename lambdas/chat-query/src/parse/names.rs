//! Filters whose value is a name the question spells out: a tag (`tagged env=prod`, a bare
//! `env=prod`) and an account (a 12-digit id anywhere, or the word after "account").

use super::words::{Words, is_stopword, word_number};
use super::{AccountFilter, Parsed, TagFilter, first_wins, is_region, is_state};

/// The index of the first word after `i` that is not one of `filler`.
fn after(q: &Words, i: usize, filler: fn(&str) -> bool) -> usize {
    let mut j = i + 1;
    while j < q.len() && filler(q.low(j)) {
        j += 1;
    }
    j
}

/// `key=value`, `key:value` (not `aws:` keys, whose colon is part of the key) or a bare key.
fn tag_of(raw: &str) -> TagFilter {
    let (key, value) = if let Some((k, v)) = raw.split_once('=') {
        (k, Some(v))
    } else if raw.starts_with("aws:") {
        (raw, None)
    } else if let Some((k, v)) = raw.split_once(':') {
        (k, Some(v))
    } else {
        (raw, None)
    };
    TagFilter { key: key.trim().to_owned(), value: value.map(|v| v.trim().to_owned()) }
}

/// A tag: the word after `tag`/`tagged`/`label`… (`with tag key cost-center`), or any other
/// `key=value` word that is not a severity or status.
pub(super) fn tag(q: &mut Words, p: &mut Parsed) {
    let mut tags: Vec<TagFilter> = Vec::new();
    for i in 0..q.len() {
        if !matches!(q.low(i), "tag" | "tagged" | "tags" | "label" | "labelled" | "labeled") {
            continue;
        }
        let j = after(q, i, |w| matches!(w, "with" | "as" | "key" | "by" | "a" | "the"));
        if let Some(t) = q.tokens.get(j)
            && (t.quoted || !is_stopword(&t.low))
            && !q.used[j]
        {
            tags.push(tag_of(&t.raw));
            q.used[j] = true;
        }
    }
    for (i, t) in q.tokens.iter().enumerate() {
        if !q.used[i]
            && !t.quoted
            && t.raw.contains('=')
            && !t.low.starts_with("severity")
            && !t.low.starts_with("status")
        {
            let tag = tag_of(&t.raw);
            if !tag.key.is_empty() {
                tags.push(tag);
                q.used[i] = true;
            }
        }
    }
    tags.retain(|t| !t.key.is_empty());
    p.filters.tag = first_wins(tags, &mut p.notes, |t| format!("several tags named; only {} is used", t.key));
}

/// An account: every 12-digit id, and the word after `account` (past "named", "called"…) when it
/// can be a name rather than another filter's value.
pub(super) fn account(q: &mut Words, p: &mut Parsed) {
    let mut accounts: Vec<AccountFilter> = Vec::new();
    let mut add = |a: AccountFilter| {
        if !accounts.contains(&a) {
            accounts.push(a);
        }
    };
    for i in 0..q.len() {
        if cima_core::ids::is_account_id(q.low(i)) {
            add(AccountFilter::Id(q.low(i).to_owned()));
            q.used[i] = true;
        }
    }
    for i in 0..q.len() {
        if !matches!(q.low(i), "account" | "accounts") {
            continue;
        }
        let j = after(q, i, |w| matches!(w, "named" | "called" | "name" | "with" | "id"));
        let Some(t) = q.tokens.get(j) else { continue };
        let name = !cima_core::ids::is_account_id(&t.low)
            && (t.quoted
                || (!is_stopword(&t.low)
                    && !q.used[j]
                    && !is_region(&t.low)
                    && !is_state(&t.low)
                    && word_number(&t.low).is_none()
                    && !t.low.contains('=')));
        if name {
            add(AccountFilter::Name(t.raw.clone()));
            q.used[j] = true;
        }
    }
    p.filters.account =
        first_wins(accounts, &mut p.notes, |_| "several accounts named; only the first is used".to_owned());
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::super::filters::{region, state};
    use super::super::services::services;
    use super::super::{apply, notes_of};
    use super::*;

    const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    fn tag(key: &str, value: Option<&str>) -> Option<TagFilter> {
        Some(TagFilter { key: key.to_owned(), value: value.map(str::to_owned) })
    }

    #[test]
    fn tag_table() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<TagFilter>, &[&str])] = &[
            ("ec2 instances tagged env=prod", tag("env", Some("prod")), &[]),
            ("buckets with tag team:data", tag("team", Some("data")), &[]),
            ("list functions tagged owner", tag("owner", None), &[]),
            ("instances with tag key cost-center", tag("cost-center", None), &[]),
            ("servers where Name = \"web server\"", tag("Name", Some("web server")), &[]),
            ("tagged Env=Prod buckets", tag("Env", Some("Prod")), &[]),
            ("labelled aws:cloudformation:stack-name", tag("aws:cloudformation:stack-name", None), &[]),
            ("tagged 'the team'", tag("the team", None), &[]),
            ("what is tagged env=prod?", tag("env", Some("prod")), &[]),
            // A stopword after "tagged" is not a key, and severity=/status= are other filters.
            ("tagged with the", None, &[]),
            ("cases severity=high status=open", None, &[]),
            ("tagged env=prod team=data", tag("env", Some("prod")), &["several tags named; only env is used"]),
            // A service word is taken already.
            ("tagged buckets", None, &[]),
        ];
        for (question, want, notes) in rows {
            let p = apply(&[services, region, state, super::tag], question, NOW);
            assert_eq!((&p.filters.tag, notes_of(&p)), (want, notes.to_vec()), "{question:?}");
        }
    }

    #[test]
    fn account_table() {
        let id = |s: &str| Some(AccountFilter::Id(s.to_owned()));
        let name = |s: &str| Some(AccountFilter::Name(s.to_owned()));
        #[rustfmt::skip]
        let rows: &[(&str, Option<AccountFilter>, &[&str])] = &[
            ("ec2 instances in account 123456789012", id("123456789012"), &[]),
            ("anything in 123456789012", id("123456789012"), &[]),
            ("buckets in account prod-web", name("prod-web"), &[]),
            ("roles in the account named 'Log Archive'", name("Log Archive"), &[]),
            ("roles in account called Audit", name("Audit"), &[]),
            ("account 123456789012 or account 123456789012", id("123456789012"), &[]),
            // Words that are another filter's value, or no name at all.
            ("count buckets across all accounts", None, &[]),
            ("lambdas in accounts in eu-west-1", None, &[]),
            ("account us-east-1", None, &[]),
            ("accounts running", None, &[]),
            ("accounts three", None, &[]),
            ("account env=prod", None, &[]),
            ("account buckets", None, &[]),
            ("account 123456789012 and account audit", id("123456789012"), &["several accounts named; only the first is used"]),
        ];
        for (question, want, notes) in rows {
            let p = apply(&[services, region, state, account], question, NOW);
            assert_eq!((&p.filters.account, notes_of(&p)), (want, notes.to_vec()), "{question:?}");
        }
    }
}
