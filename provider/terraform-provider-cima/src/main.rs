//! `terraform-provider-cima`: serves the provider to Terraform. All work happens in the library
//! modules; start-up stays cheap because Terraform launches a provider several times per command.

use std::process::ExitCode;

use terraform_provider_cima::{CimaProvider, SOURCE_ADDRESS};

fn main() -> ExitCode {
    let opts = tfplugin::server::ServeOptions::from_args(SOURCE_ADDRESS, std::env::args());
    tfplugin::server::serve(CimaProvider::new(), opts)
}
