//! The few date formats the local servers write, from `SystemTime` without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// A UTC instant broken into its calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    /// 1..=12
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Days since the epoch (a Thursday), for the weekday.
    days: i64,
}

/// Seconds since the epoch (negative before it).
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Milliseconds since the epoch (0 before it).
pub(crate) fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

pub(crate) fn civil(seconds: i64) -> Civil {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Days to a proleptic Gregorian date, counting in 400-year eras that start on March 1st
    // so the leap day is the last day of a year.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (of_day / 3600) as u32,
        minute: (of_day % 3600 / 60) as u32,
        second: (of_day % 60) as u32,
        days,
    }
}

impl Civil {
    fn month_name(&self) -> &'static str {
        MONTHS[(self.month - 1) as usize]
    }

    fn weekday(&self) -> &'static str {
        WEEKDAYS[self.days.rem_euclid(7) as usize]
    }
}

/// RFC 9110's IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(t: SystemTime) -> String {
    let c = civil(unix_seconds(t));
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        c.weekday(),
        c.day,
        c.month_name(),
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// API Gateway's `requestContext.time`: `06/Dec/2026:15:00:02 +0000`.
pub(crate) fn request_time(t: SystemTime) -> String {
    let c = civil(unix_seconds(t));
    format!("{:02}/{}/{}:{:02}:{:02}:{:02} +0000", c.day, c.month_name(), c.year, c.hour, c.minute, c.second)
}

/// ISO 8601 in UTC with milliseconds, as the Support API writes times: `2026-12-06T15:00:02.000Z`.
pub(crate) fn iso_millis(t: SystemTime) -> String {
    let c = civil(unix_seconds(t));
    let millis = unix_millis(t) % 1000;
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{millis:03}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn civil_dates_around_leap_days_and_eras() {
        let at = |s: i64| {
            let c = civil(s);
            (c.year, c.month, c.day, c.hour, c.minute, c.second)
        };
        assert_eq!(at(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(at(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(at(951_868_799), (2000, 2, 29, 23, 59, 59));
        assert_eq!(at(1_709_164_800), (2024, 2, 29, 0, 0, 0));
        assert_eq!(at(4_107_542_400), (2100, 3, 1, 0, 0, 0), "2100 is not a leap year");
        assert_eq!(at(-1), (1969, 12, 31, 23, 59, 59));
    }

    #[test]
    fn formats() {
        let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(request_time(t), "06/Nov/1994:08:49:37 +0000");
        assert_eq!(iso_millis(t + Duration::from_millis(5)), "1994-11-06T08:49:37.005Z");
        assert_eq!(unix_millis(t + Duration::from_millis(5)), 784_111_777_005);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(3)), -3);
    }
}
