//! Filters named by a word or a phrase: region, Support severity, case status, the items' state.

use super::words::Words;
use super::{OPEN_STATUS, Parsed, Service, first_wins, is_region, is_severity};

/// Places people name instead of region codes.
const PLACES: [(&str, &str); 16] = [
    ("virginia", "us-east-1"),
    ("ohio", "us-east-2"),
    ("california", "us-west-1"),
    ("oregon", "us-west-2"),
    ("canada", "ca-central-1"),
    ("ireland", "eu-west-1"),
    ("london", "eu-west-2"),
    ("paris", "eu-west-3"),
    ("frankfurt", "eu-central-1"),
    ("stockholm", "eu-north-1"),
    ("milan", "eu-south-1"),
    ("tokyo", "ap-northeast-1"),
    ("seoul", "ap-northeast-2"),
    ("singapore", "ap-southeast-1"),
    ("sydney", "ap-southeast-2"),
    ("mumbai", "ap-south-1"),
];

/// A region code, or a place such as Ireland.
pub(super) fn region(q: &mut Words, p: &mut Parsed) {
    let mut regions: Vec<String> = Vec::new();
    // Skips words taken already: "function cq-fn-0" names a function, not a region.
    for i in 0..q.len() {
        if q.used[i] {
            continue;
        }
        let low = q.low(i);
        let code = if is_region(low) { Some(low) } else { PLACES.iter().find(|(p, _)| *p == low).map(|(_, c)| *c) };
        if let Some(code) = code {
            if !regions.iter().any(|r| r == code) {
                regions.push(code.to_owned());
            }
            q.used[i] = true;
        }
    }
    p.filters.region = first_wins(regions, &mut p.notes, |r| format!("several regions named; only {r} is used"));
}

/// The names AWS gives the severity codes, longest first where one contains another.
const SEVERITY_NAMES: [(&str, &str); 6] = [
    ("business-critical system down", "critical"),
    ("business critical system down", "critical"),
    ("production system down", "urgent"),
    ("production system impaired", "high"),
    ("system impaired", "normal"),
    ("general guidance", "low"),
];

/// Support severity: AWS's name for it, or a code in a question about severity, next to a word
/// about cases, or (`critical`, `urgent`) anywhere in a question about Support cases. A code
/// alone elsewhere ("high", "low") is too common a word to be one.
pub(super) fn severity(q: &mut Words, p: &mut Parsed) {
    let mut severities: Vec<String> = Vec::new();
    for (name, code) in SEVERITY_NAMES {
        if let Some(at) = q.text.find(name)
            && !severities.iter().any(|s| s == code)
        {
            // "production system impaired" also contains "system impaired": the longer wins.
            let inside_longer = name == "system impaired" && q.text[..at].ends_with("production ");
            if !inside_longer {
                severities.push(code.to_owned());
            }
        }
    }
    let about_severity = q.lows().any(|w| matches!(w, "severity" | "sev" | "priority" | "severity:"));
    let about_cases = p.services.contains(&Service::Support);
    for i in 0..q.len() {
        let w = q.low(i);
        if !is_severity(w) || severities.iter().any(|s| s == w) {
            continue;
        }
        let near_case_word = matches!(
            q.next(i),
            "case" | "cases" | "ticket" | "tickets" | "support" | "severity" | "priority" | "sev" | "-severity"
        ) || matches!(q.prev(i), "severity" | "sev" | "priority" | "severity:" | "severity=");
        let bare_ok = matches!(w, "critical" | "urgent") && about_cases;
        if about_severity || near_case_word || bare_ok {
            severities.push(w.to_owned());
            q.used[i] = true;
        }
    }
    p.filters.severity =
        first_wins(severities, &mut p.notes, |s| format!("several severities named; only {s} is used"));
}

/// Phrases that name a case status, with the status.
const STATUS_PHRASES: [(&str, &str); 10] = [
    ("pending customer action", "pending-customer-action"),
    ("pending-customer-action", "pending-customer-action"),
    ("awaiting customer", "pending-customer-action"),
    ("waiting on us", "pending-customer-action"),
    ("work in progress", "work-in-progress"),
    ("work-in-progress", "work-in-progress"),
    ("in progress", "work-in-progress"),
    ("status opened", "opened"),
    ("status: opened", "opened"),
    ("status=opened", "opened"),
];

fn status_word(w: &str) -> Option<&'static str> {
    Some(match w {
        "reopened" => "reopened",
        "unassigned" => "unassigned",
        "resolved" | "closed" => "resolved",
        "open" | "unresolved" | "ongoing" => OPEN_STATUS,
        _ => return None,
    })
}

/// Support case status: a phrase or a word, `open` meaning every status but resolved; the one
/// named first in the question wins.
pub(super) fn status(q: &mut Words, p: &mut Parsed) {
    // (byte offset in the question's text, status)
    let mut found: Vec<(usize, &str)> =
        STATUS_PHRASES.iter().filter_map(|(phrase, status)| Some((q.text.find(phrase)?, *status))).collect();
    let mut offset = 0;
    for w in q.lows() {
        if let Some(s) = status_word(w) {
            found.push((offset, s));
        }
        offset += w.len() + 1;
    }
    found.sort();
    // "work in progress" also reads as "in progress": each status once.
    let mut statuses: Vec<&str> = Vec::new();
    for (_, s) in found {
        if !statuses.contains(&s) {
            statuses.push(s);
        }
    }
    p.filters.status = first_wins(statuses, &mut p.notes, |s| format!("several case statuses named; only {s} is used"))
        .map(str::to_owned);
}

/// Phrases that name a state, with it: a firing alarm, alarms short of data, a half-working
/// load balancer.
const STATE_PHRASES: [(&str, &str); 6] = [
    ("not compliant", "non_compliant"),
    ("in alarm", "alarm"),
    ("insufficient data", "insufficient_data"),
    ("insufficient-data", "insufficient_data"),
    ("insufficient_data", "insufficient_data"),
    ("active impaired", "active_impaired"),
];

/// The state a word names: an EC2 instance state or RDS DB instance status (`pending` is not one
/// in "pending customer action"), a stack's `failed` or `drifted`, a load balancer's state, an
/// alarm's. `ok` and `active` are states only in a question about alarms or load balancers.
fn state_word(q: &Words, p: &Parsed, i: usize) -> Option<&'static str> {
    let pending_customer = p.filters.status.as_deref() == Some("pending-customer-action");
    Some(match q.low(i) {
        "running" => "running",
        "stopped" => "stopped",
        "stopping" => "stopping",
        "terminated" => "terminated",
        "shutting-down" => "shutting-down",
        "available" => "available",
        "pending" if q.next(i) != "customer" && !pending_customer => "pending",
        "failed" | "failing" | "broken" => "failed",
        "drifted" | "drifting" => "drifted",
        "firing" | "alarming" | "triggered" => "alarm",
        "provisioning" => "provisioning",
        "ok" if p.services.contains(&Service::CloudWatch) => "ok",
        "non-compliant" | "noncompliant" | "non_compliant" => "non_compliant",
        "compliant" if p.services.contains(&Service::Config) && q.prev(i) != "not" => "compliant",
        "active" if p.services.contains(&Service::Elb) => "active",
        _ => return None,
    })
}

/// The items' state, from a phrase or a word; the one named first in the question wins.
pub(super) fn state(q: &mut Words, p: &mut Parsed) {
    // (byte offset in the question's text, state)
    let mut found: Vec<(usize, &str)> =
        STATE_PHRASES.iter().filter_map(|(phrase, state)| Some((q.text.find(phrase)?, *state))).collect();
    let phrases: Vec<usize> = found.iter().map(|(at, _)| *at).collect();
    let mut offset = 0;
    for i in 0..q.len() {
        // A phrase's first word is not also a state of its own ("active impaired").
        if let Some(s) = state_word(q, p, i).filter(|_| !phrases.contains(&offset)) {
            found.push((offset, s));
            q.used[i] = true;
        }
        offset += q.low(i).len() + 1;
    }
    found.sort();
    let mut states: Vec<String> = Vec::new();
    for (_, s) in found {
        if !states.iter().any(|have| have == s) {
            states.push(s.to_owned());
        }
    }
    p.filters.state = first_wins(states, &mut p.notes, |s| format!("several states named; only {s} is used"));
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::super::{apply, notes_of, services::services};
    use super::*;

    const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    /// (question, the filter's value, notes)
    type Rows<'a> = &'a [(&'a str, Option<&'a str>, &'a [&'a str])];

    fn check(rows: Rows<'_>, rules: &[super::super::Rule], get: fn(&Parsed) -> Option<&str>) {
        for (question, want, notes) in rows {
            let p = apply(rules, question, NOW);
            assert_eq!((get(&p), notes_of(&p)), (*want, notes.to_vec()), "{question:?}");
        }
    }

    #[test]
    fn region_table() {
        #[rustfmt::skip]
        let rows: Rows<'_> = &[
            ("list ec2 instances in eu-west-1", Some("eu-west-1"), &[]),
            ("lambda functions in us-gov-west-1", Some("us-gov-west-1"), &[]),
            ("buckets in Ireland", Some("eu-west-1"), &[]),
            ("in Tokyo", Some("ap-northeast-1"), &[]),
            ("instances in us-east-1 or eu-central-1", Some("us-east-1"), &["several regions named; only us-east-1 is used"]),
            ("us-east-1 and virginia", Some("us-east-1"), &[]),
            ("tagged cost-center", None, &[]),
            ("in us-east-1a", None, &[]),
        ];
        check(rows, &[region], |p| p.filters.region.as_deref());
    }

    #[test]
    fn severity_table() {
        #[rustfmt::skip]
        let rows: Rows<'_> = &[
            ("critical support cases", Some("critical"), &[]),
            ("cases with high severity", Some("high"), &[]),
            ("how many urgent cases", Some("urgent"), &[]),
            ("severity low", Some("low"), &[]),
            ("sev normal", Some("normal"), &[]),
            ("production system down cases", Some("urgent"), &[]),
            ("production system impaired tickets", Some("high"), &[]),
            ("system impaired cases", Some("normal"), &[]),
            ("business-critical system down", Some("critical"), &[]),
            ("general guidance tickets", Some("low"), &[]),
            ("the cases that are urgent", Some("urgent"), &[]),
            // A common word is a severity only where the question is about severity or cases.
            ("high cpu instances", None, &[]),
            ("urgent buckets", None, &[]),
            ("urgent or low severity", Some("urgent"), &["several severities named; only urgent is used"]),
        ];
        check(rows, &[services, severity], |p| p.filters.severity.as_deref());
    }

    #[test]
    fn status_table() {
        #[rustfmt::skip]
        let rows: Rows<'_> = &[
            ("open cases", Some("open"), &[]),
            ("what is unresolved", Some("open"), &[]),
            ("ongoing tickets", Some("open"), &[]),
            ("resolved tickets", Some("resolved"), &[]),
            ("closed cases", Some("resolved"), &[]),
            ("reopened cases", Some("reopened"), &[]),
            ("unassigned cases", Some("unassigned"), &[]),
            ("cases pending customer action", Some("pending-customer-action"), &[]),
            ("cases awaiting customer", Some("pending-customer-action"), &[]),
            ("work in progress cases", Some("work-in-progress"), &[]),
            ("cases in progress", Some("work-in-progress"), &[]),
            ("cases with status opened", Some("opened"), &[]),
            ("list cases", None, &[]),
            ("resolved or open cases", Some("resolved"), &["several case statuses named; only resolved is used"]),
        ];
        check(rows, &[status], |p| p.filters.status.as_deref());
    }

    #[test]
    fn state_table() {
        #[rustfmt::skip]
        let rows: Rows<'_> = &[
            ("how many running ec2 instances", Some("running"), &[]),
            ("list stopped instances in us-west-2", Some("stopped"), &[]),
            ("available databases", Some("available"), &[]),
            ("which instances are pending", Some("pending"), &[]),
            ("shutting-down instances", Some("shutting-down"), &[]),
            ("cases pending customer action", None, &[]),
            ("running or stopped", Some("running"), &["several states named; only running is used"]),
            ("running, running", Some("running"), &[]),
            ("list instances", None, &[]),
            ("which stacks failed?", Some("failed"), &[]),
            ("failed cloudformation stacks", Some("failed"), &[]),
            ("drifted stacks", Some("drifted"), &[]),
            ("which alarms are firing", Some("alarm"), &[]),
            ("alarms in alarm", Some("alarm"), &[]),
            ("triggered alerts", Some("alarm"), &[]),
            ("alarms with insufficient data", Some("insufficient_data"), &[]),
            ("ok alarms", Some("ok"), &[]),
            ("ok, list the buckets", None, &[]),
            ("active load balancers", Some("active"), &[]),
            ("load balancers that are active impaired", Some("active_impaired"), &[]),
            ("active instances", None, &[]),
            ("provisioning albs", Some("provisioning"), &[]),
            ("which config rules are non-compliant", Some("non_compliant"), &[]),
            ("rules that are not compliant", Some("non_compliant"), &[]),
            ("compliant config rules", Some("compliant"), &[]),
            ("compliant buckets", None, &[]),
        ];
        check(rows, &[services, status, state], |p| p.filters.state.as_deref());
    }
}
