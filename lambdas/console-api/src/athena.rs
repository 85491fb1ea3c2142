//! Running a statement on Athena and reading its result: [`QueryEngine`] (start, state, stop)
//! and [`ResultReader`] (the CSV object Athena leaves at the execution's output location), each
//! on the SDK here and in memory in the unit tests. [`run`] starts, polls with bounded backoff
//! up to a deadline, and reads the result with one GetObject instead of paging GetQueryResults
//! 1000 rows at a time.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState};
use cima_core::errors::AwsError;

use crate::csv::{CsvError, Table};
use crate::records::MissingColumn;
use crate::sql::Statement;

/// An AWS call that failed, with its operation.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation}: {error}")]
pub struct CallError {
    pub operation: &'static str,
    pub error: AwsError,
}

impl CallError {
    pub fn new(operation: &'static str, error: AwsError) -> Self {
        CallError { operation, error }
    }
}

/// Where an execution is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecutionState {
    /// QUEUED or RUNNING.
    Pending,
    Succeeded {
        output_location: Option<String>,
    },
    /// FAILED or CANCELLED (`state`), with the engine's reason.
    Ended {
        state: &'static str,
        reason: String,
    },
}

#[async_trait]
pub trait QueryEngine: Send + Sync {
    /// Starts the statement; answers its execution id.
    async fn start(&self, statement: &Statement) -> Result<String, CallError>;
    async fn state(&self, execution_id: &str) -> Result<ExecutionState, CallError>;
    async fn stop(&self, execution_id: &str) -> Result<(), CallError>;
}

#[async_trait]
pub trait ResultReader: Send + Sync {
    /// The object at `s3://bucket/key`; [`ReadError::TooLarge`] past `max_bytes`.
    async fn read(&self, location: &str, max_bytes: u64) -> Result<Vec<u8>, ReadError>;
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("{0:?} is not an s3://bucket/key location")]
    Location(String),
    #[error("{size} bytes, more than the {max} a request reads")]
    TooLarge { size: u64, max: u64 },
}

/// Why a statement has no rows to answer with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Call(#[from] CallError),
    /// The engine's own verdict: FAILED or CANCELLED, with its reason.
    #[error("the Athena query {state}: {reason}")]
    Ended { state: &'static str, reason: String },
    #[error("the Athena query did not finish within {} s", .0.as_secs())]
    Timeout(Duration),
    #[error("the Athena query succeeded without an output location")]
    NoOutput,
    #[error("the query result at {location}: {error}")]
    Read { location: String, error: ReadError },
    #[error("the query result at {location} is not Athena's CSV: {error}")]
    Csv { location: String, error: CsvError },
    #[error("the query result does not have the columns asked for: {0}")]
    Columns(#[from] MissingColumn),
}

/// How long to wait between GetQueryExecution calls, and for the whole query. Each wait is an
/// eighth of the time waited so far, within `first..=max`: a query that succeeds is seen at most
/// an eighth of its time late (a quarter left a 2.4 s query seen 0.6 s late on average in
/// bench/console.md; doubling waits could see a 1.6 s query at 2.5 s), and a query that runs into
/// the 25 s deadline costs 64 calls, well within GetQueryExecution's rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Polling {
    pub first: Duration,
    pub max: Duration,
    /// API Gateway gives up on an integration after 30 s; the answer must come before.
    pub deadline: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            first: Duration::from_millis(100),
            max: Duration::from_millis(500),
            deadline: Duration::from_secs(25),
        }
    }
}

/// A result object larger than this is refused: with its parsed rows and the cache it would not
/// fit the function's 512 MB (about 200,000 cases; an organization files far fewer in the 365
/// days the Support API reaches).
pub const MAX_RESULT_BYTES: u64 = 64 * 1024 * 1024;

/// Runs `statement` to the end and reads its rows.
pub async fn run(
    engine: &dyn QueryEngine,
    reader: &dyn ResultReader,
    statement: &Statement,
    polling: Polling,
) -> Result<Table, QueryError> {
    let started = tokio::time::Instant::now();
    let id = engine.start(statement).await?;
    let location = loop {
        match engine.state(&id).await? {
            ExecutionState::Succeeded { output_location } => break output_location.ok_or(QueryError::NoOutput)?,
            ExecutionState::Ended { state, reason } => return Err(QueryError::Ended { state, reason }),
            ExecutionState::Pending => {}
        }
        let elapsed = started.elapsed();
        if elapsed >= polling.deadline {
            // Nobody will read the result: stop paying for the scan.
            if let Err(e) = engine.stop(&id).await {
                tracing::warn!(execution_id = %id, error = %e, "could not stop a query past its deadline");
            }
            return Err(QueryError::Timeout(polling.deadline));
        }
        let wait = (elapsed / 8).clamp(polling.first, polling.max);
        tokio::time::sleep(wait.min(polling.deadline - elapsed)).await;
    };
    let waited = started.elapsed();
    let bytes = reader
        .read(&location, MAX_RESULT_BYTES)
        .await
        .map_err(|error| QueryError::Read { location: location.clone(), error })?;
    let read = started.elapsed();
    let table = crate::csv::parse(&bytes).map_err(|error| QueryError::Csv { location: location.clone(), error })?;
    // The parts, so a slow query shows whether the engine, the result object or the parse took it.
    tracing::info!(
        query = statement.name,
        execution_id = %id,
        rows = table.rows.len(),
        bytes = bytes.len(),
        ms = started.elapsed().as_millis() as u64,
        wait_ms = waited.as_millis() as u64,
        read_ms = (read - waited).as_millis() as u64,
        parse_ms = (started.elapsed() - read).as_millis() as u64,
        "athena query done"
    );
    Ok(table)
}

/// `s3://bucket/key` as (bucket, key).
pub fn split_location(location: &str) -> Option<(&str, &str)> {
    let (bucket, key) = location.strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// Athena through the SDK, in one workgroup (whose settings place and encrypt the results) and
/// one Glue database.
pub struct SdkAthena {
    client: aws_sdk_athena::Client,
    workgroup: String,
    database: String,
}

impl SdkAthena {
    pub fn new(client: aws_sdk_athena::Client, workgroup: &str, database: &str) -> Self {
        SdkAthena { client, workgroup: workgroup.to_owned(), database: database.to_owned() }
    }
}

#[async_trait]
impl QueryEngine for SdkAthena {
    async fn start(&self, statement: &Statement) -> Result<String, CallError> {
        let out = self
            .client
            .start_query_execution()
            .query_string(&statement.sql)
            .set_execution_parameters((!statement.params.is_empty()).then(|| statement.params.clone()))
            .work_group(&self.workgroup)
            .query_execution_context(QueryExecutionContext::builder().database(&self.database).build())
            .send()
            .await
            .map_err(|e| CallError::new("StartQueryExecution", AwsError::of(&e)))?;
        out.query_execution_id.ok_or_else(|| {
            CallError::new("StartQueryExecution", AwsError::new("InvalidResponse", "no QueryExecutionId"))
        })
    }

    async fn state(&self, execution_id: &str) -> Result<ExecutionState, CallError> {
        let out = self
            .client
            .get_query_execution()
            .query_execution_id(execution_id)
            .send()
            .await
            .map_err(|e| CallError::new("GetQueryExecution", AwsError::of(&e)))?;
        let execution = out.query_execution();
        let status = execution.and_then(|e| e.status());
        let reason = || {
            let error = status.and_then(|s| s.athena_error()).and_then(|e| e.error_message());
            let change = status.and_then(|s| s.state_change_reason());
            match (change, error) {
                (Some(c), Some(e)) if c != e => format!("{c} ({e})"),
                (Some(c), _) => c.to_owned(),
                (None, Some(e)) => e.to_owned(),
                (None, None) => "no reason given".to_owned(),
            }
        };
        Ok(match status.and_then(|s| s.state()) {
            Some(QueryExecutionState::Succeeded) => ExecutionState::Succeeded {
                output_location: execution
                    .and_then(|e| e.result_configuration())
                    .and_then(|r| r.output_location())
                    .map(str::to_owned),
            },
            Some(QueryExecutionState::Failed) => ExecutionState::Ended { state: "FAILED", reason: reason() },
            Some(QueryExecutionState::Cancelled) => ExecutionState::Ended { state: "CANCELLED", reason: reason() },
            _ => ExecutionState::Pending,
        })
    }

    async fn stop(&self, execution_id: &str) -> Result<(), CallError> {
        self.client
            .stop_query_execution()
            .query_execution_id(execution_id)
            .send()
            .await
            .map_err(|e| CallError::new("StopQueryExecution", AwsError::of(&e)))?;
        Ok(())
    }
}

/// Result objects through the SDK's S3 client.
pub struct SdkResults {
    client: aws_sdk_s3::Client,
}

impl SdkResults {
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        SdkResults { client }
    }
}

#[async_trait]
impl ResultReader for SdkResults {
    async fn read(&self, location: &str, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        let (bucket, key) = split_location(location).ok_or_else(|| ReadError::Location(location.to_owned()))?;
        let out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| CallError::new("GetObject", AwsError::of(&e)))?;
        let size = out.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        if size > max_bytes {
            return Err(ReadError::TooLarge { size, max: max_bytes });
        }
        let body =
            out.body.collect().await.map_err(|e| CallError::new("GetObject", AwsError::from_chain(&e)))?.into_bytes();
        if body.len() as u64 > max_bytes {
            return Err(ReadError::TooLarge { size: body.len() as u64, max: max_bytes });
        }
        Ok(body.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeAthena, Outcome};

    fn statement() -> Statement {
        Statement { name: "t", sql: "SELECT 1".into(), params: vec![] }
    }

    #[tokio::test(start_paused = true)]
    async fn polls_with_backoff_until_the_result_is_there() {
        let fake = FakeAthena::new(|_| Outcome::csv("\"x\"\n\"1\"\n")).pending_polls(6);
        let started = tokio::time::Instant::now();
        let table = run(&fake, &fake, &statement(), Polling::default()).await.expect("rows");
        assert_eq!(table.rows, [vec![Some("1".to_owned())]]);
        // 100 ms until an eighth of the time waited is more: six waits of 100 ms between seven looks.
        assert_eq!(started.elapsed(), Duration::from_millis(600));
        assert_eq!(fake.polls(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_query_is_polled_a_bounded_number_of_times() {
        let fake = FakeAthena::new(|_| Outcome::csv("\"x\"\n")).pending_polls(30);
        let started = tokio::time::Instant::now();
        run(&fake, &fake, &statement(), Polling::default()).await.expect("rows");
        // Waits grow with the time waited, up to half a second each: the 31st look comes at
        // about 8.2 s, and the answer is seen at most an eighth of its time late.
        let elapsed = started.elapsed();
        assert!(elapsed > Duration::from_secs(8) && elapsed < Duration::from_millis(8300), "{elapsed:?}");
        assert_eq!(fake.polls(), 31);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_stops_the_query() {
        let fake = FakeAthena::new(|_| Outcome::csv("\"x\"\n")).pending_polls(usize::MAX);
        let polling = Polling { deadline: Duration::from_secs(5), ..Polling::default() };
        let started = tokio::time::Instant::now();
        let e = run(&fake, &fake, &statement(), polling).await.expect_err("too slow");
        assert!(matches!(e, QueryError::Timeout(d) if d == Duration::from_secs(5)), "{e}");
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert_eq!(fake.stopped().len(), 1);
    }

    #[tokio::test]
    async fn the_engines_verdict_and_aws_errors_come_through() {
        let failed =
            FakeAthena::new(|_| Outcome::Ended("FAILED", "SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved"));
        let e = run(&failed, &failed, &statement(), Polling::default()).await.expect_err("failed");
        assert_eq!(e.to_string(), "the Athena query FAILED: SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved");
        let refused = FakeAthena::new(|_| Outcome::StartError(AwsError::new("AccessDeniedException", "no")));
        let e = run(&refused, &refused, &statement(), Polling::default()).await.expect_err("refused");
        assert!(matches!(&e, QueryError::Call(c) if c.error.code() == Some("AccessDeniedException")), "{e}");
        assert_eq!(e.to_string(), "StartQueryExecution: AccessDeniedException: no");
        let garbled = FakeAthena::new(|_| Outcome::csv("\"a\",\"b\"\n\"1\"\n"));
        let e = run(&garbled, &garbled, &statement(), Polling::default()).await.expect_err("garbled");
        assert!(matches!(e, QueryError::Csv { .. }), "{e}");
    }

    #[test]
    fn locations_split_into_bucket_and_key() {
        assert_eq!(split_location("s3://b/results/x.csv"), Some(("b", "results/x.csv")));
        assert_eq!(split_location("s3://b/"), None);
        assert_eq!(split_location("https://b/x"), None);
    }
}
