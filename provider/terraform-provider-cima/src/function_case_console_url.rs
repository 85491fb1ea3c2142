//! `provider::cima::case_console_url(case_id, account_id)`: the AWS Support console's page of a
//! case, the link the console itself shares, so runbooks, alerts and dashboards built from
//! `data "cima_cases"` never hand-build it.
//!
//! The console addresses a case by the number it shows as "Case ID" (the Support API's
//! `displayId`, `display_id` in `cima_cases`); the API's own `case-<account>-…` id opens no page,
//! so it is refused with the attribute to use instead. The console has no link that switches
//! accounts: the page opens when the browser is signed in to `account_id`, which is checked, and
//! must be the account an API case id names.

use cima_core::cases::console_url;
use cima_core::ids::is_account_id;
use tfplugin::function::{Function, FunctionError, Parameter, string_argument};
use tfplugin::{Type, Value};

pub fn function() -> Function {
    Function::new(
        "case_console_url",
        "The AWS Support console's page of a case.",
        vec![
            Parameter::new(
                "case_id",
                Type::String,
                "The case's ID as the Support console shows it: `display_id` of `data.cima_cases` (digits).",
            ),
            Parameter::new("account_id", Type::String, "The 12-digit account the case was opened in."),
        ],
        Type::String,
        call,
    )
    .description(
        "Returns the link to a case's page in the AWS Support console \
         (`https://support.console.aws.amazon.com/support/home#/case/?displayId=…&language=en`). The page opens \
         when the browser is signed in to `account_id`: the console has no link that changes accounts. \
         `case_id` is the number the console shows (`display_id` of `data.cima_cases`); the Support API's \
         `case-<account>-…` id opens no page and is an error that says which attribute to pass.",
    )
}

// Terraform ends the message with its own full stop.
fn call(arguments: &[Value]) -> Result<Value, FunctionError> {
    let case_id = string_argument(arguments, 0)?;
    let account_id = string_argument(arguments, 1)?;
    if !is_account_id(account_id) {
        return Err(FunctionError::at(1, format!("{account_id:?} is not an AWS account ID (12 digits)")));
    }
    if let Some(rest) = case_id.strip_prefix("case-") {
        let owner = rest.split('-').next().unwrap_or_default();
        return Err(FunctionError::at(
            0,
            if is_account_id(owner) && owner != account_id {
                format!("{case_id:?} is a case of account {owner}, not {account_id}")
            } else {
                format!(
                    "{case_id:?} is the Support API's case id, which opens no console page; pass the case's \
                     display_id (the number the console shows as Case ID)"
                )
            },
        ));
    }
    if case_id.is_empty() || !case_id.bytes().all(|b| b.is_ascii_digit()) || case_id.len() > 32 {
        return Err(FunctionError::at(0, format!("{case_id:?} is not a Support case's display ID (digits)")));
    }
    Ok(Value::string(console_url(case_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(case_id: &str, account_id: &str) -> Result<Value, FunctionError> {
        function().call(&[Value::string(case_id), Value::string(account_id)])
    }

    #[test]
    fn a_display_id_links_to_its_page_and_anything_else_says_why_not() {
        assert_eq!(
            url("12345678901", "111122223333"),
            Ok(Value::string(
                "https://support.console.aws.amazon.com/support/home#/case/?displayId=12345678901&language=en"
            ))
        );
        let api_id = url("case-111122223333-muen-2026-0123456789abcdef", "111122223333").unwrap_err();
        assert_eq!(api_id.argument, Some(0));
        assert!(api_id.text.contains("pass the case's display_id"), "{}", api_id.text);
        let other = url("case-444455556666-muen-2026-0123456789abcdef", "111122223333").unwrap_err();
        assert_eq!(
            other.text,
            "\"case-444455556666-muen-2026-0123456789abcdef\" is a case of account 444455556666, not 111122223333"
        );
        let bad_account = url("12345678901", "1111").unwrap_err();
        assert_eq!(
            (bad_account.argument, bad_account.text.as_str()),
            (Some(1), "\"1111\" is not an AWS account ID (12 digits)")
        );
        for bad in ["", "12 34", "12&a=b", "１２"] {
            assert_eq!(url(bad, "111122223333").unwrap_err().argument, Some(0), "{bad:?}");
        }
    }
}
