//! The Lambda entry point: settings and clients built once per container, then every event goes
//! to `console_api::handle`.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use console_api::config::Config;
use console_api::{App, handle};
use lambda_runtime::{LambdaEvent, service_fn};

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
async fn main() -> anyhow::Result<()> {
    init_logging();
    let config = Config::from_env(|name| std::env::var(name).ok())?;
    // Every call goes to the function's own account (Athena, its result bucket): adaptive retries.
    let sdk = cima_core::sdk::one_account(&cima_core::sdk::SdkPolicy::DEFAULT.loader().load().await);
    let app = App::new(config, &sdk);
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
        Ok::<_, lambda_runtime::Error>(handle(app, event.payload).await)
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
