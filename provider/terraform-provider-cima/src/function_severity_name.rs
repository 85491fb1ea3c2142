//! `provider::cima::severity_name(code)`: AWS's name of a Support severity code, the name the
//! console and the Support API show ("Production system down" for `urgent`), so configurations
//! that label or filter cases never keep their own copy of the table.

use cima_core::support::{SEVERITIES, severity_name};
use tfplugin::function::{Function, FunctionError, Parameter, string_argument};
use tfplugin::{Type, Value};

pub fn function() -> Function {
    Function::new(
        "severity_name",
        "AWS's name of a Support case severity code.",
        vec![Parameter::new("code", Type::String, "`low`, `normal`, `high`, `urgent` or `critical`.")],
        Type::String,
        call,
    )
    .description(format!(
        "Returns the name AWS Support gives a severity code: {}. Any other value is an error naming the valid codes.",
        SEVERITIES.iter().map(|(c, n)| format!("`{c}` = {n}")).collect::<Vec<_>>().join(", ")
    ))
}

// Terraform ends the message with its own full stop.
fn call(arguments: &[Value]) -> Result<Value, FunctionError> {
    let code = string_argument(arguments, 0)?;
    severity_name(code).map(Value::string).ok_or_else(|| {
        let valid: Vec<&str> = SEVERITIES.iter().map(|(c, _)| *c).collect();
        FunctionError::at(0, format!("{code:?} is not a severity code; valid codes: {}", valid.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_name_and_anything_else_names_the_codes() {
        let f = function();
        let name = |code: &str| f.call(&[Value::string(code)]);
        assert_eq!(name("low"), Ok(Value::string("General guidance")));
        assert_eq!(name("critical"), Ok(Value::string("Business-critical system down")));
        let err = name("sev1").unwrap_err();
        assert_eq!(err.argument, Some(0));
        assert_eq!(err.text, "\"sev1\" is not a severity code; valid codes: low, normal, high, urgent, critical");
        assert_eq!(name("Urgent").unwrap_err().argument, Some(0), "codes are lower case, as the API sends them");
    }
}
