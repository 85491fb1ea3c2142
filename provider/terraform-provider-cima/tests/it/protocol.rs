//! The binary as Terraform meets it, through the crate's own Terraform-side client: schema
//! served over mutual TLS, and GRPCController.Shutdown really ends the process.

use std::time::Duration;

use crate::harness::provider_binary;

#[test]
fn serves_the_schema_over_mtls_and_exits_on_shutdown() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let probe = rt.block_on(tfplugin::client::probe(provider_binary(), Duration::from_secs(30))).expect("probe");
    assert_eq!(
        probe.data_sources,
        ["cima_caller_identity", "cima_case_pipeline", "cima_cases", "cima_linked_account", "cima_org_query"]
    );
    assert!(probe.schema_bytes > 1000);
    // `probe` waited for the process to exit after Shutdown (bounded), so reaching here proves it.
    assert!(probe.exit_after_shutdown < Duration::from_secs(30));
}
