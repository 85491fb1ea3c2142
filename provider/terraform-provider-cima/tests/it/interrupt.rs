//! Ctrl-C in the middle of wiring 30 accounts, as a terminal sends it: SIGINT to Terraform's
//! whole process group, the provider included. Terraform stops, the state lists what was made,
//! the next apply converges, and every account is wired exactly once, as the health check sees.
//! And SIGKILL in the middle, which records nothing: the next apply adopts what exists (the
//! pipeline's bus too) and converges with no duplicates.

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cima_testkit::{LocalAws, OrgSpec};
use serde_json::Value;

use crate::harness::{preamble, workspace};

const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";
const CENTRAL_BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";
/// Creations seen before the interrupt: enough to be in the middle, far from the end.
const INTERRUPT_AFTER: usize = 5;
/// The whole interrupted apply, and each wait inside it.
const LIMIT: Duration = Duration::from_secs(180);

fn config(members: &[String]) -> String {
    let ids = members.iter().map(|m| format!("\"{m}\"")).collect::<Vec<_>>().join(", ");
    format!(
        r#"{}locals {{
  members = toset([{ids}])
}}

resource "cima_linked_account" "this" {{
  for_each = local.members

  account_id        = each.value
  central_bus_arn   = "{CENTRAL_BUS}"
  enricher_role_arn = "{ENRICHER_ROLE}"
}}

data "cima_linked_account" "check" {{
  for_each   = local.members
  depends_on = [cima_linked_account.this]

  account_id        = each.value
  central_bus_arn   = "{CENTRAL_BUS}"
  enricher_role_arn = "{ENRICHER_ROLE}"
}}

output "unhealthy" {{
  value = {{ for k, v in data.cima_linked_account.check : k => v.problems if !v.healthy }}
}}
"#,
        preamble()
    )
}

#[test]
fn ctrl_c_while_wiring_30_accounts_then_the_next_apply_converges() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 30, seed: 43, suspended: 0 }).expect("seeded org");
    let members: Vec<String> = org.members().map(|a| a.id.clone()).collect();
    let ws = workspace(Some(&aws));
    // No `terraform init`: the provider comes from dev_overrides.
    ws.write("main.tf", &config(&members)).unwrap();

    let (status, output) = apply_and_signal(&ws, "INT", INTERRUPT_AFTER);
    assert!(!status.success(), "an interrupted apply reports failure:\n{output}");
    assert!(output.contains("Interrupt received"), "Terraform saw the interrupt:\n{output}");

    // What finished is in the state; what never started is not.
    let listed = ws.run_ok(["state", "list"]).expect("state list");
    let in_state =
        String::from_utf8_lossy(&listed.stdout).lines().filter(|l| l.starts_with("cima_linked_account.")).count();
    assert!(
        (INTERRUPT_AFTER..members.len()).contains(&in_state),
        "{in_state} of {} accounts in state after the interrupt:\n{output}",
        members.len()
    );

    // The next apply finishes the job (adopting what a cancelled create left), and then
    // nothing is left to do.
    ws.apply().expect("the next apply converges");
    let plan = ws.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"]).expect("plan");
    assert_eq!(plan.status.code(), Some(0), "{}", String::from_utf8_lossy(&plan.stdout));
    let outputs = ws.output_json().expect("outputs");
    assert_eq!(
        outputs["unhealthy"]["value"],
        Value::Object(Default::default()),
        "every account wired as CIMA wires it"
    );
    let listed = ws.run_ok(["state", "list"]).expect("state list");
    let wired =
        String::from_utf8_lossy(&listed.stdout).lines().filter(|l| l.starts_with("cima_linked_account.")).count();
    assert_eq!(wired, members.len());
}

/// Runs `terraform apply` in its own process group, as a shell runs a foreground job, and sends
/// `signal` to the whole group once `after` resources were created; returns how Terraform
/// ended and its output.
fn apply_and_signal(ws: &cima_testkit::TfWorkspace, signal: &str, after: usize) -> (std::process::ExitStatus, String) {
    let mut child = ws
        .command(["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("terraform apply starts");
    let group = child.id();
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + LIMIT;
    let mut output = Vec::new();
    let mut created = 0;
    let mut signalled = false;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if line.contains("Creation complete") {
            created += 1;
        }
        output.push(line);
        if !signalled && created >= after {
            let sent =
                std::process::Command::new("kill").args(["-s", signal, "--", &format!("-{group}")]).status().unwrap();
            assert!(sent.success(), "kill -s {signal} -{group}");
            signalled = true;
        }
    }
    let status = child.wait().expect("terraform exits");
    reader.join().ok();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).ok();
    let output = format!("{}\n{stderr}", output.join("\n"));
    assert!(signalled, "the apply ended before {after} creations:\n{output}");
    assert!(Instant::now() < deadline, "the signalled apply did not end within {LIMIT:?}:\n{output}");
    (status, output)
}

fn state_list(ws: &cima_testkit::TfWorkspace) -> Vec<String> {
    // Nothing recorded at all is no state file: an empty list.
    let listed = ws.run(["state", "list"]).expect("state list");
    String::from_utf8_lossy(&listed.stdout).lines().map(str::to_owned).collect()
}

const PIPELINE: &str = r#"
resource "cima_case_pipeline" "this" {
  organization_ids      = ["ORG"]
  enricher_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:case-enricher"
  store_target_arn      = "arn:aws:firehose:us-east-1:123456789012:deliverystream/cima-store"
  store_role_arn        = "arn:aws:iam::123456789012:role/cima-events-to-firehose"
}
"#;

#[test]
fn sigkill_while_wiring_then_the_next_apply_adopts_and_converges() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 12, seed: 47, suspended: 0 }).expect("seeded org");
    let members: Vec<String> = org.members().map(|a| a.id.clone()).collect();
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config(&members)).unwrap();
    ws.write("pipeline.tf", &PIPELINE.replace("ORG", &org.organization_id)).unwrap();

    // The pipeline and a few accounts made, then Terraform and the provider die at once.
    let (status, output) = apply_and_signal(&ws, "KILL", 4);
    assert!(!status.success(), "{output}");
    // A kill loses what was in flight, and whatever finished but was not yet written to the
    // state (CI once saw the kill land before the first write: nothing recorded at all), so the
    // next apply must adopt anything from none to all of what was made. A pipeline create caught
    // in flight is what this takes out of the state: its bus exists, the state does not know it.
    let recorded = state_list(&ws);
    assert!(recorded.len() < 1 + members.len(), "{recorded:?}\n{output}");
    if recorded.iter().any(|r| r == "cima_case_pipeline.this") {
        ws.run_ok(["state", "rm", "cima_case_pipeline.this"]).expect("state rm");
    }
    let buses = |aws: &LocalAws| {
        aws.call("events", "list_event_buses", &serde_json::json!({"NamePrefix": "cima-cases"}), None)
            .expect("list buses")["EventBuses"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(buses(&aws), 1, "the killed apply made the bus:\n{output}");

    ws.apply().expect("the next apply adopts what exists and converges");
    let plan = ws.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"]).expect("plan");
    assert_eq!(plan.status.code(), Some(0), "{}", String::from_utf8_lossy(&plan.stdout));
    assert_eq!(buses(&aws), 1, "one bus, adopted");
    let outputs = ws.output_json().expect("outputs");
    assert_eq!(outputs["unhealthy"]["value"], Value::Object(Default::default()), "every account wired once");
    let show = ws.show_json().expect("show");
    let pipeline = show["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == "cima_case_pipeline.this")
        .expect("the pipeline in state");
    assert_eq!(pipeline["values"]["status"], "wired");
    ws.destroy().expect("destroy");
    assert_eq!(buses(&aws), 0, "destroy removes the adopted bus");
}
