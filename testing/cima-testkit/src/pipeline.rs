//! The whole CIMA event flow on one machine, with no hand-carried step: the provider wires it
//! (`cima_case_pipeline` in the central account, `cima_linked_account` in every member) through
//! the real Terraform, the packaged case-enricher runs under the Runtime API emulator, and the
//! local AWS delivers events to it (its Lambda-target extension) and to Firehose → S3.
//!
//! The backfill rule, which the module makes with hashicorp/aws, is made out of band between the
//! two applies, so a linked account's `backfill_days` reaches the enricher as in AWS.
//!
//! A case created in a member account then travels: Support's event on the member's default bus →
//! the forwarding rule → the central bus (its policy admits the organization's `aws.support` and
//! `cima.backfill` events only) → the enrich rule → the enricher (assumes the case-reader role,
//! reads the case, puts `heidi.support` on the central bus itself) → the store rule (that source,
//! from the central account only) → Firehose → an object under `DataCollection-data/heidi.support/`
//! in the data bucket.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::lambda::{LambdaEmulator, LambdaFunction, RunningFunction};
use crate::localaws::{LocalAws, REGION, TEST_KEY};
use crate::terraform::{Terraform, TfWorkspace};

/// The function name the enrich rule targets and the emulator serves.
pub const ENRICHER_FUNCTION: &str = "case-enricher";
/// How long an invocation of the enricher may run: cima-central's default function timeout.
/// Under injected faults a backfill takes longer than the local delivery's default 30 s, while
/// the function itself still finishes.
const ENRICHER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// Firehose's S3 prefix: the seed's layout, which the Glue table's projection reads.
pub const STORE_PREFIX: &str = "DataCollection-data/heidi.support/";
const BUS: &str = "cima-cases";
/// The backfill request's source and detail-type (`cima_core::contract`).
const BACKFILL_SOURCE: &str = "cima.backfill";
const BACKFILL_DETAIL_TYPE: &str = "CIMA Backfill Request";
const STREAM: &str = "cima-store";
/// The pipeline's dead-letter queue in the central account, named as modules/cima-central
/// names it: events no target could take, and the enricher's failed invocations.
pub const DEAD_LETTER_QUEUE: &str = "cima-case-events-dlq";

/// What [`LocalPipeline::start`] wires.
#[derive(Debug, Clone, Copy)]
pub struct PipelineSpec<'a> {
    /// The cima provider binary, and the source address it is installed under.
    pub provider: &'a std::path::Path,
    pub provider_source: &'a str,
    /// The function's binary or packaged bootstrap.
    pub enricher: &'a LambdaFunction,
    pub central_account: &'a str,
    pub organization_id: &'a str,
    pub members: &'a [String],
    /// Days of existing cases each linked account asks the enricher for when it is created
    /// (`backfill_days`; 0 asks for none).
    pub backfill_days: u32,
}

/// A wired pipeline; dropping it stops the enricher and the emulator (the Terraform state and
/// the local AWS belong to the caller).
#[derive(Debug)]
pub struct LocalPipeline {
    pub workspace: TfWorkspace,
    pub bucket: String,
    pub central_account: String,
    pub members: Vec<String>,
    enricher: RunningFunction,
    emulator: LambdaEmulator,
}

impl LocalPipeline {
    /// Wires `spec.members` to a central pipeline in the management account of the seeded
    /// organization in `aws`.
    pub fn start(aws: &LocalAws, spec: &PipelineSpec<'_>) -> Result<LocalPipeline> {
        Self::start_with_enricher_endpoint(aws, spec, aws.endpoint())
    }

    /// Like [`LocalPipeline::start`], the enricher reaching AWS at `endpoint` (its
    /// `AWS_ENDPOINT_URL`), e.g. a [`crate::FaultProxy`] in front of `aws`.
    pub fn start_with_enricher_endpoint(
        aws: &LocalAws,
        spec: &PipelineSpec<'_>,
        endpoint: &str,
    ) -> Result<LocalPipeline> {
        let PipelineSpec {
            provider,
            provider_source,
            enricher,
            central_account,
            organization_id,
            members,
            backfill_days,
        } = *spec;
        let bucket = format!("cima-data-{central_account}");
        aws.tool("bucket", &[("name", &bucket)])?;
        let stream = json!({
            "DeliveryStreamName": STREAM,
            "DeliveryStreamType": "DirectPut",
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": format!("arn:aws:iam::{central_account}:role/cima-firehose"),
                "BucketARN": format!("arn:aws:s3:::{bucket}"),
                "Prefix": STORE_PREFIX,
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                "ProcessingConfiguration": {"Enabled": true, "Processors": [{"Type": "AppendDelimiterToRecord", "Parameters": []}]}
            }
        });
        let created = aws.tool(
            "call",
            &[("service", "firehose"), ("op", "create_delivery_stream"), ("params", &stream.to_string())],
        )?;
        let stream_arn = created["DeliveryStreamARN"].as_str().unwrap_or_default().to_owned();
        let dlq = create_dead_letter_queue(aws, central_account)?;

        let emulator = LambdaEmulator::start()?;
        let env = [
            ("AWS_ACCESS_KEY_ID", TEST_KEY),
            ("AWS_SECRET_ACCESS_KEY", TEST_KEY),
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("CENTRAL_BUS_NAME", BUS),
            ("RUST_LOG", "info"),
        ];
        let running = emulator.run(enricher, ENRICHER_FUNCTION, &env)?;
        declare_enricher(aws, central_account, &dlq)?;
        aws.register_lambda_target(ENRICHER_FUNCTION, &emulator.base_url(), ENRICHER_TIMEOUT)?;

        let tf = Terraform::locate()?;
        let mut ws = TfWorkspace::with_source(&tf, provider, provider_source)?;
        ws.envs(aws.aws_env());
        let short = provider_source.trim_start_matches("registry.terraform.io/");
        let members_hcl = members.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", ");
        ws.write(
            "main.tf",
            &format!(
                r#"terraform {{
  required_providers {{
    cima = {{
      source = "{short}"
    }}
  }}
}}

provider "cima" {{}}

resource "cima_case_pipeline" "this" {{
  bus_name              = "{BUS}"
  organization_ids      = ["{organization_id}"]
  enricher_function_arn = "arn:aws:lambda:{REGION}:{central_account}:function:{ENRICHER_FUNCTION}"
  store_target_arn      = "{stream_arn}"
  store_role_arn        = "arn:aws:iam::{central_account}:role/cima-events-to-firehose"
  dead_letter_queue_arn = "{dlq}"
}}
"#
            ),
        )?;
        ws.apply()?;
        // The backfill rule is the module's (hashicorp/aws), not the provider's: made here as
        // modules/cima-central makes it, before any linked account asks for a backfill.
        let rule = format!("{BUS}-backfill");
        let pattern = json!({"source": [BACKFILL_SOURCE], "detail-type": [BACKFILL_DETAIL_TYPE]});
        aws.call(
            "events",
            "put_rule",
            &json!({"Name": rule, "EventBusName": BUS, "EventPattern": pattern.to_string()}),
            None,
        )?;
        aws.call(
            "events",
            "put_targets",
            &json!({"Rule": rule, "EventBusName": BUS, "Targets": [{"Id": "enricher",
                    "Arn": format!("arn:aws:lambda:{REGION}:{central_account}:function:{ENRICHER_FUNCTION}"),
                    "DeadLetterConfig": {"Arn": dlq}}]}),
            None,
        )?;
        ws.write(
            "linked.tf",
            &format!(
                r#"resource "cima_linked_account" "this" {{
  for_each = toset([{members_hcl}])

  account_id        = each.value
  central_bus_arn   = cima_case_pipeline.this.bus_arn
  enricher_role_arn = "arn:aws:iam::{central_account}:role/cima-enricher"
  organization_id   = "{organization_id}"
  backfill_days     = {backfill_days}
}}
"#
            ),
        )?;
        ws.apply()?;
        Ok(LocalPipeline {
            workspace: ws,
            bucket,
            central_account: central_account.to_owned(),
            members: members.to_vec(),
            enricher: running,
            emulator,
        })
    }

    /// Takes the messages waiting in [`DEAD_LETTER_QUEUE`] (a bounded number of receives), each as
    /// `{"body": <the event>, "attributes": {name: value}}`.
    pub fn take_dead_letters(&self, aws: &LocalAws) -> Result<Vec<Value>> {
        let url = aws.call("sqs", "get_queue_url", &json!({"QueueName": DEAD_LETTER_QUEUE}), None)?["QueueUrl"].clone();
        let mut letters = Vec::new();
        for _ in 0..10 {
            let answer = aws.call(
                "sqs",
                "receive_message",
                &json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"]}),
                None,
            )?;
            let messages = answer["Messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for m in messages {
                aws.call(
                    "sqs",
                    "delete_message",
                    &json!({"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]}),
                    None,
                )?;
                let attributes: serde_json::Map<String, Value> = m["MessageAttributes"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v["StringValue"].clone()))
                    .collect();
                let body = serde_json::from_str(m["Body"].as_str().unwrap_or_default()).unwrap_or(Value::Null);
                letters.push(json!({"body": body, "attributes": attributes}));
            }
        }
        Ok(letters)
    }

    /// Every event in the data bucket under [`STORE_PREFIX`], with its object's key, once the
    /// queued target deliveries are done (bounded by the extension).
    pub fn stored_events(&self, aws: &LocalAws) -> Result<Vec<(String, Value)>> {
        aws.target_deliveries(Duration::from_secs(5))?;
        let listed = aws.tool(
            "call",
            &[
                ("service", "s3"),
                ("op", "list_objects_v2"),
                ("params", &json!({"Bucket": self.bucket, "Prefix": STORE_PREFIX}).to_string()),
            ],
        )?;
        let mut events = Vec::new();
        for key in listed["Contents"].as_array().into_iter().flatten().filter_map(|o| o["Key"].as_str()) {
            let object = aws.tool("get-object", &[("bucket", &self.bucket), ("key", key)])?;
            for line in object["body"].as_str().unwrap_or_default().lines() {
                if let Ok(event) = serde_json::from_str::<Value>(line) {
                    events.push((key.to_owned(), event));
                }
            }
        }
        Ok(events)
    }

    /// Waits (bounded by `timeout`) for the enriched event of `case_id` to land in the data
    /// bucket under [`STORE_PREFIX`], and returns it with the object's key.
    pub fn wait_for_stored(&self, aws: &LocalAws, case_id: &str, timeout: Duration) -> Result<(String, Value)> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.stored_events(aws)?.into_iter().find(|(_, e)| e["detail"]["caseId"] == case_id) {
                return Ok(found);
            }
            if Instant::now() >= deadline {
                return Err(Error::Http {
                    url: format!("s3://{}/{STORE_PREFIX}", self.bucket),
                    detail: format!(
                        "no enriched event for {case_id} within {} s; deliveries: {}\n--- enricher ---\n{}\n--- emulator ---\n{}",
                        timeout.as_secs(),
                        aws.target_deliveries(Duration::from_secs(1)).unwrap_or_default(),
                        self.enricher.logs(),
                        self.emulator.logs()
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The central bus's ARN.
    pub fn bus_arn(&self) -> String {
        format!("arn:aws:events:{REGION}:{}:event-bus/{BUS}", self.central_account)
    }

    /// The enricher's log lines so far.
    pub fn enricher_logs(&self) -> String {
        self.enricher.logs()
    }
}

/// The pipeline's dead-letter queue, with the policy modules/cima-central gives it; its ARN.
fn create_dead_letter_queue(aws: &LocalAws, central_account: &str) -> Result<String> {
    aws.call("sqs", "create_queue", &json!({"QueueName": DEAD_LETTER_QUEUE}), None)?;
    Ok(format!("arn:aws:sqs:{REGION}:{central_account}:{DEAD_LETTER_QUEUE}"))
}

/// The enricher function as modules/cima-central declares it (its role, and its own dead-letter
/// queue for failed asynchronous invocations); the code itself runs under the emulator.
fn declare_enricher(aws: &LocalAws, central_account: &str, dlq: &str) -> Result<()> {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"}}]});
    match aws.call(
        "iam",
        "create_role",
        &json!({"RoleName": "cima-enricher", "AssumeRolePolicyDocument": trust.to_string()}),
        None,
    ) {
        Err(Error::Aws { code, .. }) if code == "EntityAlreadyExists" => {}
        other => {
            other?;
        }
    }
    aws.call(
        "lambda",
        "create_function",
        &json!({"FunctionName": ENRICHER_FUNCTION, "Runtime": "provided.al2023", "Handler": "bootstrap",
                "Role": format!("arn:aws:iam::{central_account}:role/cima-enricher"),
                "Code": {"ZipFile": "declared only: the bootstrap runs under the emulator"},
                "DeadLetterConfig": {"TargetArn": dlq}}),
        None,
    )?;
    Ok(())
}
