//! Athena and its result bucket in memory: every statement started is kept (so tests assert on
//! the SQL and the parameters), and each is answered by a function of the statement.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use cima_core::errors::AwsError;

use crate::athena::{CallError, ExecutionState, QueryEngine, ReadError, ResultReader};
use crate::sql::Statement;

/// How the fake answers one statement.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Succeeds with this CSV object.
    Csv(String),
    /// FAILED or CANCELLED with a reason.
    Ended(&'static str, &'static str),
    /// StartQueryExecution itself fails.
    StartError(AwsError),
}

impl Outcome {
    pub fn csv(text: impl Into<String>) -> Outcome {
        Outcome::Csv(text.into())
    }
}

type Answer = Box<dyn Fn(&Statement) -> Outcome + Send + Sync>;

pub struct FakeAthena {
    answer: Answer,
    pending_polls: usize,
    started: Mutex<Vec<Statement>>,
    executions: Mutex<HashMap<String, (Outcome, usize)>>,
    objects: Mutex<HashMap<String, Vec<u8>>>,
    stopped: Mutex<Vec<String>>,
    polls: AtomicUsize,
}

impl FakeAthena {
    pub fn new(answer: impl Fn(&Statement) -> Outcome + Send + Sync + 'static) -> Self {
        FakeAthena {
            answer: Box::new(answer),
            pending_polls: 0,
            started: Mutex::default(),
            executions: Mutex::default(),
            objects: Mutex::default(),
            stopped: Mutex::default(),
            polls: AtomicUsize::new(0),
        }
    }

    /// Every execution answers QUEUED/RUNNING this many times before its outcome.
    pub fn pending_polls(mut self, n: usize) -> Self {
        self.pending_polls = n;
        self
    }

    /// The statements started, in order.
    pub fn started(&self) -> Vec<Statement> {
        self.started.lock().expect("lock").clone()
    }

    pub fn stopped(&self) -> Vec<String> {
        self.stopped.lock().expect("lock").clone()
    }

    /// GetQueryExecution calls so far.
    pub fn polls(&self) -> usize {
        self.polls.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl QueryEngine for FakeAthena {
    async fn start(&self, statement: &Statement) -> Result<String, CallError> {
        let outcome = (self.answer)(statement);
        if let Outcome::StartError(e) = outcome {
            return Err(CallError::new("StartQueryExecution", e));
        }
        let mut started = self.started.lock().expect("lock");
        started.push(statement.clone());
        let id = format!("exec-{}", started.len());
        self.executions.lock().expect("lock").insert(id.clone(), (outcome, 0));
        Ok(id)
    }

    async fn state(&self, execution_id: &str) -> Result<ExecutionState, CallError> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        let mut executions = self.executions.lock().expect("lock");
        let Some((outcome, polls)) = executions.get_mut(execution_id) else {
            return Err(CallError::new("GetQueryExecution", AwsError::new("InvalidRequestException", "no such id")));
        };
        if *polls < self.pending_polls {
            *polls += 1;
            return Ok(ExecutionState::Pending);
        }
        Ok(match outcome {
            Outcome::Csv(text) => {
                let location = format!("s3://results/{execution_id}.csv");
                self.objects.lock().expect("lock").insert(location.clone(), text.clone().into_bytes());
                ExecutionState::Succeeded { output_location: Some(location) }
            }
            Outcome::Ended(state, reason) => ExecutionState::Ended { state, reason: (*reason).to_owned() },
            Outcome::StartError(_) => ExecutionState::Pending,
        })
    }

    async fn stop(&self, execution_id: &str) -> Result<(), CallError> {
        self.stopped.lock().expect("lock").push(execution_id.to_owned());
        Ok(())
    }
}

#[async_trait]
impl ResultReader for FakeAthena {
    async fn read(&self, location: &str, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
        let bytes = self.objects.lock().expect("lock").get(location).cloned().ok_or_else(|| {
            CallError::new("GetObject", AwsError::new("NoSuchKey", "The specified key does not exist."))
        })?;
        if bytes.len() as u64 > max_bytes {
            return Err(ReadError::TooLarge { size: bytes.len() as u64, max: max_bytes });
        }
        Ok(bytes)
    }
}
