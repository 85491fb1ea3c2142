//! `terraform-provider-aws`: a schema-only stand-in for hashicorp/aws 6.47.0, for checking the
//! project's HCL offline with the real Terraform core.
//!
//! It serves the provider, resource and data source schemas of the real provider, read from the
//! `terraform providers schema -json` document vendored in `schema/` (or `$CIMA_AWS_SCHEMA`). Ephemeral resources are not served: tfplugin has no support for them.
//!
//! Behaviour, per call:
//! - plan: computed attributes the configuration leaves null are unknown on create; on update
//!   they keep their prior value;
//! - apply: every unknown becomes the configuration's value if it has one, else a type-shaped
//!   placeholder (strings `standin-<type>-<hash>`, `arn`/`*_arn` ARN-shaped in account
//!   123456789012 and us-east-1, numbers 0, bools false, collections empty);
//! - read returns the state unchanged, delete succeeds, import gives a state holding only `id`;
//! - data sources fill their computed attributes the same way, except the special cases in
//!   [`special`], kept to what the project's modules compute with: `aws_caller_identity`
//!   (account 123456789012), `aws_region` (us-east-1), `aws_partition` (aws),
//!   `aws_availability_zones` (three zones), `aws_ssoadmin_instances` (one instance) and
//!   `aws_iam_policy_document` (whose `json` renders the configured statements); and one
//!   resource attribute, `aws_organizations_organization.roots` (one root, for `roots[0].id`).
//!
//! It checks what Terraform checks against a schema (types, structure, required arguments, block
//! counts, references); none of the real provider's own validation (allowed values, ARN formats,
//! conflicting arguments, plan-time logic).

mod document;
mod placeholder;
mod special;
mod standin;

use std::io::Write as _;
use std::process::ExitCode;

use tfplugin::server::{ServeOptions, serve};

fn main() -> ExitCode {
    let schemas = match document::locate().and_then(|path| document::load(&path)) {
        Ok(s) => s,
        Err(e) => {
            // Terraform shows a plugin's stderr when it fails to start.
            let _ = writeln!(std::io::stderr(), "terraform-provider-aws (cima stand-in): {e}");
            return ExitCode::FAILURE;
        }
    };
    serve(standin::Standin::new(schemas), ServeOptions::from_args(document::ADDRESS, std::env::args()))
}
