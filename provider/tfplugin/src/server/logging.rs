//! Logs as hclog JSON lines on stderr. go-plugin parses such lines from a plugin's stderr and
//! re-logs them as structured entries, so `TF_LOG_PROVIDER=DEBUG` shows them with their fields.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;

/// The level Terraform asked for: `TF_LOG_PROVIDER` wins over `TF_LOG`; unset means warnings only.
pub fn level_from_env(provider: Option<&str>, general: Option<&str>) -> Option<Level> {
    let raw = provider.filter(|s| !s.is_empty()).or(general.filter(|s| !s.is_empty()));
    match raw.map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        None => Some(Level::WARN),
        Some("OFF") => None,
        Some("TRACE" | "JSON") => Some(Level::TRACE),
        Some("DEBUG") => Some(Level::DEBUG),
        Some("INFO") => Some(Level::INFO),
        Some("WARN") => Some(Level::WARN),
        Some("ERROR") => Some(Level::ERROR),
        // Terraform treats any other value as TRACE.
        Some(_) => Some(Level::TRACE),
    }
}

/// Crates whose TRACE output dumps whole requests, client configurations and credential
/// providers (an assume-role external id, signed headers, message bodies): at most DEBUG,
/// whatever level was asked, so `TF_LOG=TRACE` never writes a secret.
const CAPPED_AT_DEBUG: &[&str] = &["aws_", "hyper", "h2", "rustls", "tower", "tonic", "reqwest"];

/// Whether an event of `target` at `level` is logged when `asked` was requested.
pub fn enabled(target: &str, level: Level, asked: Level) -> bool {
    let cap = if CAPPED_AT_DEBUG.iter().any(|p| target.starts_with(p)) { asked.min(Level::DEBUG) } else { asked };
    level <= cap
}

pub fn init() {
    let level =
        level_from_env(std::env::var("TF_LOG_PROVIDER").ok().as_deref(), std::env::var("TF_LOG").ok().as_deref());
    let Some(asked) = level else { return };
    let filter = tracing_subscriber::filter::filter_fn(move |meta| enabled(meta.target(), *meta.level(), asked));
    // A second init (tests) is harmless.
    let _ = tracing_subscriber::registry().with(HclogLayer.with_filter(filter)).try_init();
}

/// Formats each event as one hclog JSON object.
pub struct HclogLayer;

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = format_event(event, time::OffsetDateTime::now_utc());
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(line.as_bytes());
    }
}

fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

pub(crate) fn format_event(event: &Event<'_>, now: time::OffsetDateTime) -> String {
    let meta = event.metadata();
    let mut fields = JsonFields::default();
    event.record(&mut fields);
    let mut map = serde_json::Map::new();
    map.insert("@level".into(), hclog_level(meta.level()).into());
    map.insert("@message".into(), fields.message.unwrap_or_default().into());
    map.insert("@module".into(), format!("provider.{}", meta.target().split("::").next().unwrap_or("")).into());
    // Exactly six digits of fraction: go-plugin parses `@timestamp` with that one layout, and a
    // line it cannot parse is logged raw at DEBUG, whatever its level (so `TF_LOG=WARN` hid it).
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    let ts = now.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default();
    map.insert("@timestamp".into(), ts.into());
    for (k, v) in fields.rest {
        map.insert(k, v);
    }
    let mut line = serde_json::Value::Object(map).to_string();
    line.push('\n');
    line
}

#[derive(Default)]
struct JsonFields {
    message: Option<String>,
    rest: Vec<(String, serde_json::Value)>,
}

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut s = String::new();
        let _ = write!(s, "{value:?}");
        self.put(field, s.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
}

impl JsonFields {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.rest.push((field.name().to_owned(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn levels_follow_terraform_variables() {
        assert_eq!(level_from_env(Some("DEBUG"), Some("ERROR")), Some(Level::DEBUG));
        assert_eq!(level_from_env(None, Some("info")), Some(Level::INFO));
        assert_eq!(level_from_env(Some(""), None), Some(Level::WARN));
        assert_eq!(level_from_env(Some("off"), None), None);
        assert_eq!(level_from_env(Some("1"), None), Some(Level::TRACE));
    }

    #[test]
    fn sdk_and_transport_crates_stop_at_debug() {
        assert!(enabled("terraform_provider_cima::cases", Level::TRACE, Level::TRACE));
        assert!(!enabled("aws_smithy_runtime::client::orchestrator", Level::TRACE, Level::TRACE));
        assert!(!enabled("aws_sigv4::http_request::sign", Level::TRACE, Level::TRACE));
        assert!(!enabled("h2::codec", Level::TRACE, Level::TRACE));
        assert!(enabled("aws_config::sts", Level::DEBUG, Level::TRACE));
        assert!(!enabled("aws_config::sts", Level::DEBUG, Level::INFO), "never above what was asked");
        assert!(enabled("aws_config::sts", Level::WARN, Level::WARN));
    }

    #[test]
    fn timestamps_have_six_digits_of_fraction_in_utc() {
        let at = |nanos: i128| {
            let t = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap();
            let line = format_event_at(t);
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            v["@timestamp"].as_str().unwrap().to_owned()
        };
        assert_eq!(at(1_234_567_891), "1970-01-01T00:00:01.234567Z");
        assert_eq!(at(1_700_000_000_000_000_000), "2023-11-14T22:13:20.000000Z");
        let east = time::OffsetDateTime::UNIX_EPOCH.to_offset(time::macros::offset!(+9));
        let v: serde_json::Value = serde_json::from_str(&format_event_at(east)).unwrap();
        assert_eq!(v["@timestamp"], "1970-01-01T00:00:00.000000Z", "written in UTC");
    }

    /// One event's line, formatted as of `now`.
    fn format_event_at(now: time::OffsetDateTime) -> String {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sub = tracing_subscriber::registry().with(At(now, lines.clone()));
        tracing::subscriber::with_default(sub, || tracing::info!("tick"));
        lines.lock().unwrap().pop().unwrap()
    }

    /// Captures each event's line, formatted as of a fixed time.
    struct At(time::OffsetDateTime, Arc<Mutex<Vec<String>>>);
    impl<S: Subscriber> Layer<S> for At {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            self.1.lock().unwrap().push(format_event(event, self.0));
        }
    }

    #[test]
    fn events_become_hclog_json_lines() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sub = tracing_subscriber::registry().with(At(time::OffsetDateTime::UNIX_EPOCH, lines.clone()));
        tracing::subscriber::with_default(sub, || {
            tracing::debug!(account = "123456789012", pages = 3u64, "listed accounts");
        });
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with('\n') && !lines[0].trim_end().contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "listed accounts");
        assert_eq!(v["@timestamp"], "1970-01-01T00:00:00.000000Z", "the layout go-plugin parses");
        assert_eq!(v["account"], "123456789012");
        assert_eq!(v["pages"], 3);
    }
}
