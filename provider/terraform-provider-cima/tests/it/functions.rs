//! Provider-defined functions through the real Terraform (≥ 1.8): `provider::cima::…` in a
//! configuration, with no AWS at all.

use crate::harness::{newest, preamble, workspace_on};

#[test]
fn severity_name_names_every_code_and_refuses_others_at_the_argument() {
    let ws = workspace_on(&newest(), None);
    let config = preamble()
        + r#"output "names" {
  value = { for c in ["low", "normal", "high", "urgent", "critical"] : c => provider::cima::severity_name(c) }
}
"#;
    ws.write("main.tf", &config).unwrap();
    ws.apply().expect("apply");
    let out = ws.output_json().expect("output");
    assert_eq!(
        out["names"]["value"],
        serde_json::json!({
            "low": "General guidance", "normal": "System impaired", "high": "Production system impaired",
            "urgent": "Production system down", "critical": "Business-critical system down"
        })
    );

    ws.write("main.tf", &(preamble() + "output \"bad\" {\n  value = provider::cima::severity_name(\"sev1\")\n}\n"))
        .unwrap();
    let err = ws.apply().expect_err("an unknown code fails the plan");
    // Terraform wraps its messages: compare with the whitespace collapsed.
    let text = err.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Invalid function argument"), "{text}");
    assert!(
        text.contains("\"sev1\" is not a severity code; valid codes: low, normal, high, urgent, critical."),
        "{text}"
    );
    assert!(text.contains("severity_name(\"sev1\")"), "Terraform points at the call: {text}");
}

/// The registry example of each function is a valid configuration.
#[test]
fn function_examples_validate() {
    let root = cima_testkit::repo_root();
    for function in ["severity_name", "case_console_url"] {
        let example = std::fs::read_to_string(root.join(format!("examples/functions/{function}/function.tf"))).unwrap();
        let ws = workspace_on(&newest(), None);
        ws.write("main.tf", &(preamble() + &example)).unwrap();
        let v = ws.validate_json().unwrap();
        assert_eq!(v["valid"], true, "{function}: {v:#}");
    }
}

#[test]
fn case_console_url_links_a_display_id_and_refuses_the_api_case_id_at_the_argument() {
    let ws = workspace_on(&newest(), None);
    let config = preamble()
        + r#"output "link" {
  value = provider::cima::case_console_url("12345678901", "111122223333")
}
"#;
    ws.write("main.tf", &config).unwrap();
    ws.apply().expect("apply");
    let out = ws.output_json().expect("output");
    assert_eq!(
        out["link"]["value"],
        "https://support.console.aws.amazon.com/support/home#/case/?displayId=12345678901&language=en"
    );

    ws.write(
        "main.tf",
        &(preamble()
            + "output \"bad\" {\n  value = provider::cima::case_console_url(\"case-111122223333-muen-2026-0123456789abcdef\", \"111122223333\")\n}\n"),
    )
    .unwrap();
    let err = ws.apply().expect_err("the API's case id opens no page");
    let text = err.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Invalid function argument"), "{text}");
    assert!(text.contains("pass the case's display_id"), "{text}");
}
