//! Entry point: configuration and SDK clients are built once per container, then every
//! invocation runs [`case_enricher::Enricher::handle`].

use case_enricher::aws::{SdkAws, load_config};
use case_enricher::{Config, Enricher};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

/// JSON log lines on stdout, which Lambda ships to CloudWatch Logs; `RUST_LOG` (or Lambda's
/// `AWS_LAMBDA_LOG_LEVEL`) sets the level, INFO by default.
fn init_logging() {
    use lambda_runtime::tracing::subscriber::EnvFilter;
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_default();
    // The SDK's TRACE output carries credentials: it stops at DEBUG whatever is asked.
    let filter =
        EnvFilter::try_new(cima_core::sdk::lambda_log_directives(&level)).unwrap_or_else(|_| EnvFilter::new("info"));
    lambda_runtime::tracing::subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .flatten_event(true)
        .with_writer(std::io::stdout)
        .init();
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let sdk = load_config().await;
    let aws = SdkAws::new(sdk, &config.case_reader_role_name, config.organizations_role_arn.as_deref()).await;
    let enricher = Enricher::new(aws, config);
    let enricher = &enricher;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move { enricher.handle(event).await })).await
}
