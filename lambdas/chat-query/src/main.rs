//! The Lambda entry point: settings and clients built once per container, then every event goes
//! to `chat_query::handle`.

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use chat_query::config::{Config, SDK_POLICY};
use chat_query::{App, handle};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_default();
    tracing_subscriber::fmt()
        // The SDK's TRACE output carries credentials: it stops at DEBUG whatever is asked.
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(cima_core::sdk::lambda_log_directives(&level))
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        // CloudWatch shows colour codes literally.
        .with_ansi(false)
        .without_time()
        .init();
    let config = Config::from_env(|name| std::env::var(name).ok())?;
    let sdk = SDK_POLICY.loader().load().await;
    let app = App::new(config, sdk).await;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
        Ok::<_, lambda_runtime::Error>(handle(app, event.payload).await)
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}
