//! A metric of one named resource: "average cpu of i-0abc123def4567890 over the last day", "max
//! invocations of function checkout this week", "cpu of db orders". The question then reads that
//! metric in CloudWatch instead of listing resources.

use super::words::{Words, is_stopword};
use super::{Intent, METRICS, MetricFilter, Parsed, Service};

/// Words that name a metric, with the metric (the second word of a two-word name is taken too).
fn metric_at(q: &Words, i: usize) -> Option<(&'static str, usize)> {
    let next = q.next(i);
    Some(match (q.low(i), next) {
        ("cpu", "utilization" | "usage" | "utilisation") => ("CPUUtilization", 1),
        ("cpu", _) => ("CPUUtilization", 0),
        ("network", "in" | "inbound") => ("NetworkIn", 1),
        ("network", "out" | "outbound") => ("NetworkOut", 1),
        ("connections", _) => ("DatabaseConnections", 0),
        ("free", "storage") => ("FreeStorageSpace", 1),
        ("invocations", _) => ("Invocations", 0),
        ("errors", _) => ("Errors", 0),
        ("duration", _) => ("Duration", 0),
        ("throttles", _) => ("Throttles", 0),
        ("concurrency", _) => ("ConcurrentExecutions", 0),
        _ => return None,
    })
}

fn statistic_of(w: &str) -> Option<&'static str> {
    Some(match w {
        "average" | "avg" | "mean" => "Average",
        "max" | "maximum" | "peak" | "highest" => "Maximum",
        "min" | "minimum" | "lowest" => "Minimum",
        "sum" | "total" => "Sum",
        _ => return None,
    })
}

/// An EC2 instance id: `i-` and 8 or 17 hexadecimal digits.
fn is_instance_id(w: &str) -> bool {
    w.strip_prefix("i-").is_some_and(|h| (h.len() == 8 || h.len() == 17) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The resource the question names: (namespace, dimension, value, word indexes taken).
fn resource(q: &Words) -> Option<(&'static str, &'static str, String, Vec<usize>)> {
    for i in 0..q.len() {
        if is_instance_id(q.low(i)) {
            return Some(("AWS/EC2", "InstanceId", q.tokens[i].raw.clone(), vec![i]));
        }
        let (namespace, dimension) = match q.low(i) {
            "function" | "lambda" => ("AWS/Lambda", "FunctionName"),
            "db" | "database" | "rds" => ("AWS/RDS", "DBInstanceIdentifier"),
            _ => continue,
        };
        // "db instance orders": the name is after "instance".
        let j = if q.next(i) == "instance" { i + 2 } else { i + 1 };
        if let Some(t) = q.tokens.get(j)
            && (t.quoted || !is_stopword(&t.low))
            && metric_at(q, j).is_none()
            // "lambda functions", "db instances": a kind of resource, not one named.
            && (t.quoted || super::services::service_of(&t.low, "").is_none())
        {
            return Some((namespace, dimension, t.raw.clone(), vec![i, j]));
        }
    }
    None
}

/// A metric word and a resource: the metric of that resource, read in CloudWatch alone; a metric
/// word without a resource it applies to is a note, and the question reads on as it would.
pub(super) fn metric(q: &mut Words, p: &mut Parsed) {
    let Some((at, name, extra)) = (0..q.len()).find_map(|i| metric_at(q, i).map(|(n, e)| (i, n, e))) else {
        return;
    };
    let Some((namespace, dimension, value, taken)) = resource(q) else {
        p.notes.push(format!(
            "{name} needs a resource: an instance id (i-…), `function NAME` or `db NAME`; the metric is ignored"
        ));
        return;
    };
    if !METRICS.contains(&(namespace, dimension, name)) {
        p.notes.push(format!("{namespace} has no {name} for {dimension} {value}; the metric is ignored"));
        return;
    }
    let statistic = q.lows().find_map(statistic_of).unwrap_or("Average");
    for i in taken.into_iter().chain(at..=at + extra) {
        q.used[i] = true;
    }
    let statistic_words: Vec<usize> =
        q.lows().enumerate().filter(|(_, w)| statistic_of(w).is_some()).map(|(i, _)| i).collect();
    for i in statistic_words {
        q.used[i] = true;
    }
    p.notes.push(format!(
        "the {} {name} of {dimension} {value} over the time range (the last 24 hours when none is named), in each account that has it",
        statistic.to_ascii_lowercase()
    ));
    p.filters.metric = Some(MetricFilter {
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        dimension: dimension.to_owned(),
        resource: value,
        statistic: statistic.to_owned(),
    });
    // The words that named the resource ("function", "db", "instance") are not services here.
    p.services = vec![Service::CloudWatch];
    p.intent = Intent::List;
    p.filters.iam_entity = None;
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::super::{apply, filters::region, notes_of, services::intent, services::services};
    use super::*;

    const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    #[test]
    fn metric_table() {
        #[rustfmt::skip]
        // (namespace, metric, resource, statistic)
        type Want = Option<(&'static str, &'static str, &'static str, &'static str)>;
        let rows: &[(&str, Want)] = &[
            (
                "average cpu of instance i-0abc123def4567890 over the last day",
                Some(("AWS/EC2", "CPUUtilization", "i-0abc123def4567890", "Average")),
            ),
            ("max cpu utilization of i-1234abcd", Some(("AWS/EC2", "CPUUtilization", "i-1234abcd", "Maximum"))),
            (
                "total invocations of function checkout this week",
                Some(("AWS/Lambda", "Invocations", "checkout", "Sum")),
            ),
            ("errors of lambda Payments", Some(("AWS/Lambda", "Errors", "Payments", "Average"))),
            ("peak connections of db instance orders", Some(("AWS/RDS", "DatabaseConnections", "orders", "Maximum"))),
            ("cpu of database orders", Some(("AWS/RDS", "CPUUtilization", "orders", "Average"))),
            ("network in of i-1234abcd", Some(("AWS/EC2", "NetworkIn", "i-1234abcd", "Average"))),
            // Shaped like a region code, but the function's name.
            ("max invocations of function cq-fn-0", Some(("AWS/Lambda", "Invocations", "cq-fn-0", "Maximum"))),
            ("list instances", None),
            ("how many lambda functions have errors", None),
        ];
        for (question, want) in rows {
            let p = apply(&[intent, services, metric, region], question, NOW);
            let got = p
                .filters
                .metric
                .as_ref()
                .map(|m| (m.namespace.as_str(), m.name.as_str(), m.resource.as_str(), m.statistic.as_str()));
            assert_eq!(got, *want, "{question:?} {:?}", notes_of(&p));
            if want.is_some() {
                assert_eq!(
                    (p.services.as_slice(), p.intent, p.filters.region.as_deref()),
                    ([Service::CloudWatch].as_slice(), Intent::List, None),
                    "{question:?}"
                );
                assert!(p.validate(NOW).is_ok(), "{question:?}");
            }
        }
        let p = apply(&[intent, services, metric], "connections of function checkout", NOW);
        assert_eq!(
            notes_of(&p),
            ["AWS/Lambda has no DatabaseConnections for FunctionName checkout; the metric is ignored"]
        );
        let p = apply(&[intent, services, metric], "cpu of the web servers", NOW);
        assert!(p.filters.metric.is_none() && notes_of(&p)[0].starts_with("CPUUtilization needs a resource"));
    }
}
