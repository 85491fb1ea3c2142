//! Provider-defined functions (`provider::<name>::<function>(…)`, protocol 6.5): typed
//! parameters, one typed result, no side effects and no AWS calls.

use std::sync::Arc;

use crate::value::{Type, Value};

/// Why a call failed; `argument` (0-based) makes Terraform point at that argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<usize>,
}

impl FunctionError {
    pub fn at(argument: usize, text: impl Into<String>) -> Self {
        Self { text: text.into(), argument: Some(argument) }
    }
}

#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    pub description: String,
}

impl Parameter {
    pub fn new(name: impl Into<String>, ty: Type, description: impl Into<String>) -> Self {
        Self { name: name.into(), ty, description: description.into() }
    }
}

type Call = dyn Fn(&[Value]) -> Result<Value, FunctionError> + Send + Sync;

#[derive(Clone)]
pub struct Function {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    pub returns: Type,
    call: Arc<Call>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function").field("name", &self.name).field("parameters", &self.parameters).finish()
    }
}

impl Function {
    /// `call` gets one known, non-null value per parameter, in order (Terraform checks that).
    pub fn new(
        name: impl Into<String>,
        summary: impl Into<String>,
        parameters: Vec<Parameter>,
        returns: Type,
        call: impl Fn(&[Value]) -> Result<Value, FunctionError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            summary: summary.into(),
            description: String::new(),
            parameters,
            returns,
            call: Arc::new(call),
        }
    }

    #[must_use]
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = d.into();
        self
    }

    /// `arguments` holds one value per parameter (the server checks the count).
    pub fn call(&self, arguments: &[Value]) -> Result<Value, FunctionError> {
        (self.call)(arguments)
    }
}

/// The string a `Type::String` parameter received, or an error at that argument.
pub fn string_argument(arguments: &[Value], index: usize) -> Result<&str, FunctionError> {
    match arguments.get(index) {
        Some(Value::String(s)) => Ok(s),
        other => Err(FunctionError::at(index, format!("expected a string, got {other:?}"))),
    }
}
