//! Integration tests of the hashicorp/aws stand-in: the served schema against the document, the
//! real Terraform on a small configuration, and the estate check over every module and root.

mod estate;
mod protocol;
mod runbook;
mod support;
mod terraform;
