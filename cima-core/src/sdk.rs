//! How every AWS SDK client of the project talks to AWS: one HTTP client per process, connect
//! and per-attempt timeouts, and retries. The provider and each Lambda pick a [`SdkPolicy`] here
//! and build their `SdkConfig` through [`SdkPolicy::loader`]; nothing else sets these.
//!
//! Retry mode: *standard* for configurations that reach many accounts (member sessions are built
//! on them). *Adaptive* adds a client-side rate limiter that slows every call to a service after
//! a throttle, but the SDK keeps one limiter per service and region for the whole process, while
//! AWS throttles each account on its own: over a fan-out, one throttled account would slow every
//! other account's reads. So adaptive is only for clients whose calls all go to one account (the
//! management account's Organizations, a central bus, the history table, Athena):
//! [`one_account`].

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_types::SdkConfig;

/// Timeouts and retries of a process's AWS calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdkPolicy {
    /// Bound on opening a connection: a reachable endpoint answers in milliseconds, and a
    /// black-holed one should be given up and retried, not waited on.
    pub connect_timeout: Duration,
    /// Bound on one attempt (sending, waiting and reading the answer); a slower attempt is
    /// abandoned and retried.
    pub attempt_timeout: Duration,
    /// Attempts per call, the first one included.
    pub max_attempts: u32,
    /// Base of the exponential, jittered backoff between attempts.
    pub initial_backoff: Duration,
    /// Ceiling of one backoff.
    pub max_backoff: Duration,
}

impl SdkPolicy {
    /// The provider, the enricher and console-api. Control-plane calls answer within a second or
    /// two; 10 s is far beyond that. Ten attempts ride out even 30% of calls failing: a call then
    /// fails outright with probability 0.3^10 ≈ 6·10⁻⁶.
    pub const DEFAULT: SdkPolicy = SdkPolicy {
        connect_timeout: Duration::from_secs(3),
        attempt_timeout: Duration::from_secs(10),
        max_attempts: 10,
        initial_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(20),
    };

    /// chat-query, whose accounts must answer within a deadline inside API Gateway's 29 s: short
    /// attempts and short backoff, so six attempts fit well within the deadline and an account
    /// that keeps failing is reported with its own error rather than as late.
    pub const UNDER_DEADLINE: SdkPolicy = SdkPolicy {
        connect_timeout: Duration::from_secs(3),
        attempt_timeout: Duration::from_secs(4),
        max_attempts: 6,
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(4),
    };

    /// The same policy with `max_attempts` attempts (at least one).
    pub const fn with_max_attempts(self, max_attempts: u32) -> SdkPolicy {
        SdkPolicy { max_attempts: if max_attempts == 0 { 1 } else { max_attempts }, ..self }
    }

    /// The connect and per-attempt timeouts.
    pub fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .build()
    }

    /// Standard retries (see the module's documentation for why not adaptive).
    pub fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(self.max_attempts)
            .with_initial_backoff(self.initial_backoff)
            .with_max_backoff(self.max_backoff)
    }

    /// `aws_config::defaults` with the shared HTTP client, these timeouts and retries; the caller
    /// adds region, profile or endpoint and loads it.
    pub fn loader(&self) -> aws_config::ConfigLoader {
        aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .timeout_config(self.timeout_config())
            .retry_config(self.retry_config())
    }
}

/// The configuration for clients whose every call goes to one account: the same, in adaptive
/// retry mode (the client slows down after a throttle instead of only backing off per call).
pub fn one_account(sdk: &SdkConfig) -> SdkConfig {
    let retry = sdk.retry_config().cloned().unwrap_or_else(RetryConfig::standard).with_retry_mode(RetryMode::Adaptive);
    sdk.to_builder().retry_config(retry).build()
}

/// One HTTP client (one TLS configuration, one connection pool) for every service client built
/// from a configuration: left to itself, each SDK client makes its own, and a read across
/// hundreds of accounts would hold hundreds of them.
pub fn http_client() -> aws_types::sdk_config::SharedHttpClient {
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::AwsLc)).build_https()
}

/// Log targets whose TRACE output carries request bodies, signed headers and credential
/// providers (an assume-role external id, session tokens): a Lambda logs them at DEBUG at most.
/// Prefixes, as `EnvFilter` matches a directive's target.
const CAPPED_AT_DEBUG: &[&str] = &["aws_", "hyper", "h2", "rustls", "tower", "reqwest"];

/// The `EnvFilter` directives of a Lambda's logs for the level asked (`AWS_LAMBDA_LOG_LEVEL` or
/// `RUST_LOG`): INFO when none, else as asked except that the SDK and transport crates stop at
/// DEBUG, whether TRACE was asked for everything or for them by name.
pub fn lambda_log_directives(asked: &str) -> String {
    let mut out = Vec::new();
    let mut trace_everywhere = false;
    for d in asked.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        match d.rsplit_once('=') {
            Some((target, level))
                if level.eq_ignore_ascii_case("trace") && CAPPED_AT_DEBUG.iter().any(|p| target.starts_with(p)) =>
            {
                out.push(format!("{target}=debug"));
            }
            Some(_) => out.push(d.to_owned()),
            None => {
                trace_everywhere |= d.eq_ignore_ascii_case("trace");
                out.push(d.to_owned());
            }
        }
    }
    if out.is_empty() {
        return "info".into();
    }
    if trace_everywhere {
        out.extend(CAPPED_AT_DEBUG.iter().map(|p| format!("{p}=debug")));
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_logs_stop_the_sdk_at_debug_even_at_trace() {
        assert_eq!(lambda_log_directives(""), "info");
        assert_eq!(lambda_log_directives(" , "), "info");
        assert_eq!(lambda_log_directives("DEBUG"), "DEBUG");
        assert_eq!(
            lambda_log_directives("TRACE"),
            "TRACE,aws_=debug,hyper=debug,h2=debug,rustls=debug,tower=debug,reqwest=debug"
        );
        assert_eq!(
            lambda_log_directives("info,aws_config::sts=trace,chat_query=trace"),
            "info,aws_config::sts=debug,chat_query=trace"
        );
        assert_eq!(lambda_log_directives("hyper_util=TRACE"), "hyper_util=debug");
    }

    #[test]
    fn policies_bound_every_attempt_and_ride_out_thirty_percent_faults() {
        for p in [SdkPolicy::DEFAULT, SdkPolicy::UNDER_DEADLINE] {
            let t = p.timeout_config();
            assert_eq!(t.connect_timeout(), Some(p.connect_timeout));
            assert_eq!(t.operation_attempt_timeout(), Some(p.attempt_timeout));
            let r = p.retry_config();
            assert_eq!((r.mode(), r.max_attempts()), (RetryMode::Standard, p.max_attempts));
        }
        // A call fails outright at 30% faults less than once in 100 000.
        assert!(0.3f64.powi(SdkPolicy::DEFAULT.max_attempts as i32) < 1e-5);
        // An interactive call that keeps failing fast (throttled, refused) has given up, backoff
        // included, well within chat-query's default 22 s deadline: reported as failed, not late.
        let i = SdkPolicy::UNDER_DEADLINE;
        let backoff: Duration =
            (0..i.max_attempts - 1).map(|n| (i.initial_backoff * 2u32.pow(n)).min(i.max_backoff)).sum();
        assert!(backoff < Duration::from_secs(12), "{backoff:?}");
        assert_eq!(SdkPolicy::DEFAULT.with_max_attempts(0).max_attempts, 1);
    }

    #[tokio::test]
    async fn one_account_switches_only_the_mode() {
        let sdk = SdkPolicy::DEFAULT.loader().region(aws_types::region::Region::new("us-east-1")).load().await;
        assert_eq!(sdk.timeout_config(), Some(&SdkPolicy::DEFAULT.timeout_config()));
        let one = one_account(&sdk);
        let r = one.retry_config().expect("retry config");
        assert_eq!((r.mode(), r.max_attempts()), (RetryMode::Adaptive, 10));
        assert_eq!(one.timeout_config(), sdk.timeout_config());
    }
}
