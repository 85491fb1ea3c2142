//! The enricher's handler against the local AWS (moto with the project's extensions): real
//! Support, STS, Organizations and EventBridge calls, events read back from SQS queues.

mod backfill;
mod case_update;
mod faults;
mod harness;
mod rejects;
