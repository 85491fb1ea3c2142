//! One metric of one named resource: GetMetricStatistics over the question's time range (the last
//! 24 hours unless it names one), summarised into one value. An account without that resource
//! has no datapoints and gives no item.

use aws_types::SdkConfig;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{ReadError, normal_time, region_of};
use crate::parse::{MetricFilter, Parsed};
use crate::query_protocol::{self, Element, QueryClient};

/// GetMetricStatistics answers at most 1,440 datapoints a call.
const MAX_DATAPOINTS: i64 = 1440;
/// When the question names no time range.
const DEFAULT_SPAN: Duration = Duration::hours(24);

/// The window asked about: the time range, else the last 24 hours up to now.
fn window(parsed: &Parsed, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    let at = |s: &Option<String>| s.as_deref().and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
    let range = parsed.filters.time_range.as_ref();
    let until = range.and_then(|r| at(&r.until)).unwrap_or(now).min(now);
    let since = range.and_then(|r| at(&r.since)).unwrap_or(until - DEFAULT_SPAN);
    (since.min(until - Duration::minutes(1)), until)
}

/// A period (a multiple of 60 s) that keeps the window within one call's datapoints.
fn period_for(since: OffsetDateTime, until: OffsetDateTime) -> i64 {
    let seconds = (until - since).whole_seconds().max(60);
    let per_point = (seconds + MAX_DATAPOINTS - 1) / MAX_DATAPOINTS;
    ((per_point + 59) / 60 * 60).max(60)
}

/// What each period is asked for: an average is the sums over the sample counts, because the
/// mean of the periods' averages weighs a sparse period like a busy one.
fn asked(statistic: &str) -> &'static [&'static str] {
    match statistic {
        "Maximum" => &["Maximum"],
        "Minimum" => &["Minimum"],
        "Sum" => &["Sum"],
        _ => &["Sum", "SampleCount"],
    }
}

/// One period's figures, in the order [`asked`] names them.
type Point = Vec<f64>;

/// The datapoints as one value: the largest maximum, the smallest minimum, the sum of the sums,
/// or all samples' sum over their count.
fn summarise(statistic: &str, points: &[Point]) -> Option<f64> {
    let first = |p: &Point| p.first().copied().unwrap_or_default();
    match statistic {
        _ if points.is_empty() => None,
        "Maximum" => points.iter().map(first).reduce(f64::max),
        "Minimum" => points.iter().map(first).reduce(f64::min),
        "Sum" => Some(points.iter().map(first).sum()),
        _ => {
            let samples: f64 = points.iter().map(|p| p.get(1).copied().unwrap_or_default()).sum();
            (samples > 0.0).then(|| points.iter().map(first).sum::<f64>() / samples)
        }
    }
}

pub(super) async fn statistics(cfg: &SdkConfig, parsed: &Parsed, m: &MetricFilter) -> Result<Vec<Value>, ReadError> {
    let client = QueryClient::new(cfg, query_protocol::CLOUDWATCH);
    let (since, until) = window(parsed, OffsetDateTime::now_utc());
    let stamp = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let wanted = asked(&m.statistic);
    let params: Vec<(String, String)> = [
        ("Namespace", m.namespace.clone()),
        ("MetricName", m.name.clone()),
        ("Dimensions.member.1.Name", m.dimension.clone()),
        ("Dimensions.member.1.Value", m.resource.clone()),
        ("StartTime", stamp(since)),
        ("EndTime", stamp(until)),
        ("Period", period_for(since, until).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(wanted.iter().enumerate().map(|(i, s)| (format!("Statistics.member.{}", i + 1), (*s).to_owned())))
    .collect();
    let root =
        client.call("GetMetricStatistics", &params).await.map_err(|e| ReadError::call("GetMetricStatistics", &e))?;
    let figure = |p: &Element, s: &str| p.text(&[s]).and_then(|t| t.parse::<f64>().ok());
    let mut points: Vec<(&Element, Point)> = root
        .items(&["GetMetricStatisticsResult", "Datapoints"])
        .filter_map(|p| Some((p, wanted.iter().map(|s| figure(p, s)).collect::<Option<Point>>()?)))
        .collect();
    points.sort_by(|a, b| a.0.text(&["Timestamp"]).cmp(&b.0.text(&["Timestamp"])));
    let figures: Vec<Point> = points.iter().map(|(_, f)| f.clone()).collect();
    let Some(value) = summarise(&m.statistic, &figures) else { return Ok(Vec::new()) };
    // Flat, as the console's table shows each key as a column.
    let latest = points.last();
    let latest_value = latest.and_then(|(_, f)| summarise(&m.statistic, std::slice::from_ref(f)));
    let latest_time = latest.and_then(|(p, _)| p.text(&["Timestamp"]).and_then(normal_time));
    Ok(vec![json!({
        "service": "cloudwatch",
        "type": "metric",
        "id": m.resource,
        "region": region_of(cfg),
        "metric": m.name,
        "namespace": m.namespace,
        "statistic": m.statistic,
        "value": value,
        "unit": points.first().and_then(|(p, _)| p.text(&["Unit"])),
        "datapoints": figures.len(),
        "since": stamp(since),
        "until": stamp(until),
        "latest_value": latest_value,
        "latest_time": latest_time,
    })])
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_day_in_one_minute_periods_and_a_year_in_one_call() {
        let now = datetime!(2026-11-23 18:30:00 UTC);
        let (since, until) = window(&Parsed::default(), now);
        assert_eq!((since, until), (now - Duration::hours(24), now));
        assert_eq!(period_for(since, until), 60);
        let year = period_for(now - Duration::days(365), now);
        assert!(year % 60 == 0 && (365 * 86_400) / year <= MAX_DATAPOINTS, "{year}");
    }

    #[test]
    fn datapoints_summarise_as_the_statistic_says() {
        let one = |v: &[f64]| v.iter().map(|x| vec![*x]).collect::<Vec<Point>>();
        let v = [2.0, 8.0, 5.0];
        assert_eq!(summarise("Maximum", &one(&v)), Some(8.0));
        assert_eq!(summarise("Minimum", &one(&v)), Some(2.0));
        assert_eq!(summarise("Sum", &one(&v)), Some(15.0));
        // 10 samples summing to 20 and one of 8: the average is 28 / 11, not the mean of 2 and 8.
        assert_eq!(summarise("Average", &[vec![20.0, 10.0], vec![8.0, 1.0]]), Some(28.0 / 11.0));
        assert_eq!(summarise("Average", &[vec![0.0, 0.0]]), None);
        assert_eq!(summarise("Average", &[]), None);
        assert_eq!(asked("Average"), ["Sum", "SampleCount"]);
    }
}
