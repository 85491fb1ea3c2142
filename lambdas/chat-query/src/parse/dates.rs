//! The creation-time window: named days and periods (today, this week), spans back from now (last
//! 7 days, past 24h), and dates (since/before/until/between `YYYY-MM-DD`).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use super::words::{Words, word_number};
use super::{Parsed, TimeRange};

/// Seconds in one `unit` (months and years as 30 and 365 days: a window, not a calendar).
fn unit_seconds(unit: &str) -> Option<i64> {
    let unit = unit.strip_suffix('s').filter(|u| u.len() > 1).unwrap_or(unit);
    Some(match unit {
        "min" | "minute" | "m" => 60,
        "hour" | "hr" | "h" => 3600,
        "day" | "d" => 86_400,
        "week" | "wk" | "w" => 7 * 86_400,
        "month" | "mo" => 30 * 86_400,
        "year" | "yr" | "y" => 365 * 86_400,
        _ => return None,
    })
}

/// `24h`, `7d`, `2w` as (count, seconds in the unit).
fn compact_span(s: &str) -> Option<(i64, i64)> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    Some((word_number(n)?, unit_seconds(unit)?))
}

fn rfc3339(t: OffsetDateTime) -> String {
    // Never fails: every instant here passed `writable` (or is derived from the clock).
    t.format(&Rfc3339).unwrap_or_default()
}

/// The first instant RFC 3339 can write (its years are 0000 to 9999).
const EARLIEST: OffsetDateTime = time::macros::datetime!(0000-01-01 00:00:00 UTC);

/// `t` when RFC 3339 can write it in UTC. Times further out came from a question, not a
/// calendar: `9999-12-31T23:59:59-01:00` is in year 10000 in UTC, `last 9999 years` before
/// year 0, and neither has an RFC 3339 form (formatting them gave "").
fn writable(t: OffsetDateTime) -> Option<OffsetDateTime> {
    let utc = t.checked_to_offset(time::UtcOffset::UTC)?;
    (0..=9999).contains(&utc.year()).then_some(utc)
}

/// `2026-01-01` (midnight UTC, and `true`: a whole day) or a full RFC 3339 time.
fn parse_instant(s: &str) -> Option<(OffsetDateTime, bool)> {
    if let Ok(d) = Date::parse(s, format_description!("[year]-[month]-[day]")) {
        return writable(d.midnight().assume_utc()).map(|t| (t, true));
    }
    // `to_offset` panics when the instant leaves time's range in UTC; `writable` does not.
    OffsetDateTime::parse(&s.to_uppercase(), &Rfc3339).ok().and_then(writable).map(|t| (t, false))
}

fn looks_like_date(s: &str) -> bool {
    s.len() >= 8 && s.as_bytes()[0].is_ascii_digit() && s.contains('-') && s.bytes().filter(|b| *b == b'-').count() >= 2
}

fn not_a_date(word: &str) -> String {
    format!("{word:?} is not a date (YYYY-MM-DD); ignored")
}

/// The window found so far; a later phrase replaces what an earlier one set.
#[derive(Debug, Default)]
struct Window {
    since: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
}

/// Reads the time phrase at word `i`; returns how many words after it the phrase also took.
fn phrase_at(q: &Words, i: usize, w: &mut Window, notes: &mut Vec<String>) -> usize {
    let today = q.now.replace_time(Time::MIDNIGHT);
    let word = q.low(i);
    let next = q.next(i);
    match word {
        // "since today" is read at "since".
        "today" if !matches!(q.prev(i), "since" | "after" | "from") => w.since = Some(today),
        "yesterday" => {
            w.since = Some(today - Duration::days(1));
            // "since yesterday" runs to now; "from yesterday" and "yesterday" mean that day.
            if !matches!(q.prev(i), "since" | "after") {
                w.until = Some(today);
            }
        }
        "this" => {
            let start = match next {
                "week" => Some(today - Duration::days(i64::from(today.weekday().number_days_from_monday()))),
                "month" => today.replace_day(1).ok(),
                "year" => today.replace_day(1).ok().and_then(|d| d.replace_month(time::Month::January).ok()),
                _ => None,
            };
            if start.is_some() {
                w.since = start;
                return 1;
            }
        }
        "last" | "past" | "previous" | "within" => return span_back(q, i, w),
        "since" | "after" | "from" => match next {
            "today" => w.since = Some(today),
            "yesterday" => w.since = Some(today - Duration::days(1)),
            n if looks_like_date(n) => match parse_instant(&q.tokens[i + 1].raw) {
                Some((t, _)) => {
                    w.since = Some(t);
                    return 1;
                }
                None => notes.push(not_a_date(n)),
            },
            _ => {}
        },
        "before" | "until" | "till" | "to" | "and" if looks_like_date(next) => {
            match parse_instant(&q.tokens[i + 1].raw) {
                Some((t, date_only)) => {
                    // "until 2026-01-31" includes that day; "before" does not. Until the end of
                    // 9999 is no bound at all (adding the day panicked: it is beyond time's range).
                    let inclusive = date_only && word != "before";
                    w.until = if inclusive { t.checked_add(Duration::days(1)).and_then(writable) } else { Some(t) };
                    return 1;
                }
                None => notes.push(not_a_date(next)),
            }
        }
        "between" if looks_like_date(next) => {
            if let Some((t, _)) = parse_instant(&q.tokens[i + 1].raw) {
                w.since = Some(t);
            }
            return 1;
        }
        _ => {}
    }
    0
}

/// `last 7 days`, `past the 24 hours`, `last 24h`, `last week`, `within 3 days` at word `i`:
/// the window starts that long before now.
fn span_back(q: &Words, i: usize, w: &mut Window) -> usize {
    let j = if q.next(i) == "the" { i + 2 } else { i + 1 };
    let (a, b) = (q.low(j), q.low(j + 1));
    let (n, unit, taken) = if let (Some(n), Some(unit)) = (word_number(a), unit_seconds(b)) {
        (n, unit, 2)
    } else if let Some((n, unit)) = compact_span(a) {
        (n, unit, 1)
    } else if let Some(unit) = unit_seconds(a).filter(|_| a.len() > 1) {
        (1, unit, 1)
    } else {
        return 0;
    };
    // `last 9999 years` reaches before year 0: from the earliest writable time, then.
    let since = q.now.checked_sub(Duration::seconds(n.saturating_mul(unit))).and_then(writable);
    w.since = Some(since.unwrap_or(EARLIEST));
    j + taken - 1 - i
}

/// The window on creation times; none when it would end before it starts.
pub(super) fn time_range(q: &mut Words, p: &mut Parsed) {
    let mut w = Window::default();
    let mut i = 0;
    // Spend is billed by calendar month: "last month" of a bill is the month before this one,
    // not the past 30 days.
    let billing = p.services == [super::Service::Cost];
    while i < q.len() {
        let month_before = billing && matches!(q.low(i), "last" | "previous") && q.next(i) == "month";
        let today = q.now.replace_time(Time::MIDNIGHT);
        let this_month = today.replace_day(1).ok();
        i += match (month_before, this_month) {
            (true, Some(first)) => {
                let before = first - Duration::days(1);
                w.since = before.replace_day(1).ok();
                w.until = Some(first);
                1
            }
            _ => phrase_at(q, i, &mut w, &mut p.notes),
        } + 1;
    }
    if let (Some(s), Some(u)) = (w.since, w.until)
        && s >= u
    {
        p.notes.push("the time range ends before it starts; ignored".to_owned());
        return;
    }
    if w.since.is_some() || w.until.is_some() {
        p.filters.time_range = Some(TimeRange { since: w.since.map(rfc3339), until: w.until.map(rfc3339) });
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::{apply, notes_of};
    use super::*;

    /// A Monday evening, so "this week" starts the same day.
    const NOW: OffsetDateTime = datetime!(2026-11-23 18:30:00 UTC);

    /// (question, since, until, notes)
    type Row = (&'static str, Option<&'static str>, Option<&'static str>, &'static [&'static str]);

    #[test]
    fn time_range_table() {
        #[rustfmt::skip]
        let rows: &[Row] = &[
            ("support cases from the last 7 days", Some("2026-11-16T18:30:00Z"), None, &[]),
            ("instances launched in the past 24 hours", Some("2026-11-22T18:30:00Z"), None, &[]),
            ("cases in the last 24h", Some("2026-11-22T18:30:00Z"), None, &[]),
            ("cases opened last week", Some("2026-11-16T18:30:00Z"), None, &[]),
            ("within 3 days", Some("2026-11-20T18:30:00Z"), None, &[]),
            ("users from the last three months", Some("2026-08-25T18:30:00Z"), None, &[]),
            ("past the 2 hours", Some("2026-11-23T16:30:00Z"), None, &[]),
            ("last m", None, None, &[]),
            ("last time", None, None, &[]),
            ("cases created today", Some("2026-11-23T00:00:00Z"), None, &[]),
            ("since today", Some("2026-11-23T00:00:00Z"), None, &[]),
            ("cases from yesterday", Some("2026-11-22T00:00:00Z"), Some("2026-11-23T00:00:00Z"), &[]),
            ("cases since yesterday", Some("2026-11-22T00:00:00Z"), None, &[]),
            ("functions this week", Some("2026-11-23T00:00:00Z"), None, &[]),
            ("functions this month", Some("2026-11-01T00:00:00Z"), None, &[]),
            ("functions this year", Some("2026-01-01T00:00:00Z"), None, &[]),
            ("this bucket", None, None, &[]),
            ("cases since 2026-01-01", Some("2026-01-01T00:00:00Z"), None, &[]),
            ("after 2026-01-01T12:00:00+02:00", Some("2026-01-01T10:00:00Z"), None, &[]),
            ("cases before 2026-06-01", None, Some("2026-06-01T00:00:00Z"), &[]),
            ("cases until 2026-06-01", None, Some("2026-06-02T00:00:00Z"), &[]),
            ("before 2026-06-01T00:00:00z", None, Some("2026-06-01T00:00:00Z"), &[]),
            ("buckets created between 2026-01-01 and 2026-01-31", Some("2026-01-01T00:00:00Z"), Some("2026-02-01T00:00:00Z"), &[]),
            ("cases since 2026-13-45", None, None, &["\"2026-13-45\" is not a date (YYYY-MM-DD); ignored"]),
            ("cases until 2026-13-45", None, None, &["\"2026-13-45\" is not a date (YYYY-MM-DD); ignored"]),
            ("since 2026-06-01 before 2026-01-01", None, None, &["the time range ends before it starts; ignored"]),
            ("list buckets", None, None, &[]),
            // Found by the property tests: instants beyond what RFC 3339 writes in UTC panicked
            // (`until` a last day, an offset past 9999) or were written as "".
            ("cases until 9999-12-31", None, None, &[]),
            ("cases before 9999-12-31", None, Some("9999-12-31T00:00:00Z"), &[]),
            ("since 9999-12-31T23:59:59-01:00", None, None, &["\"9999-12-31t23:59:59-01:00\" is not a date (YYYY-MM-DD); ignored"]),
            ("until 0000-01-01T00:00:00+01:00", None, None, &["\"0000-01-01t00:00:00+01:00\" is not a date (YYYY-MM-DD); ignored"]),
            ("cases in the last 9999 years", Some("0000-01-01T00:00:00Z"), None, &[]),
        ];
        for (question, since, until, notes) in rows {
            let p = apply(&[time_range], question, NOW);
            let got = p.filters.time_range.clone().map(|t| (t.since, t.until)).unwrap_or_default();
            let want = (since.map(str::to_owned), until.map(str::to_owned));
            assert_eq!((got, notes_of(&p)), (want, notes.to_vec()), "{question:?}");
        }
    }
}
