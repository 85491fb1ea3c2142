//! Ctrl-C in the middle of wiring 30 accounts, as a terminal sends it: SIGINT to Terraform's
//! whole process group, the provider included. Terraform stops, the state lists what was made,
//! the next apply converges, and every account is wired exactly once, as the health check sees.

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

    // Its own process group, as a shell gives a foreground job, so the signal reaches the
    // provider too.
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
    let mut interrupted = false;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if line.contains("Creation complete") {
            created += 1;
        }
        output.push(line);
        if !interrupted && created >= INTERRUPT_AFTER {
            let sent =
                std::process::Command::new("kill").args(["-s", "INT", "--", &format!("-{group}")]).status().unwrap();
            assert!(sent.success(), "kill -INT -{group}");
            interrupted = true;
        }
    }
    let status = child.wait().expect("terraform exits");
    reader.join().ok();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).ok();
    let output = output.join("\n");
    assert!(interrupted, "the apply ended before {INTERRUPT_AFTER} creations:\n{output}\n{stderr}");
    assert!(Instant::now() < deadline, "the interrupted apply did not end within {LIMIT:?}:\n{output}");
    assert!(!status.success(), "an interrupted apply reports failure:\n{output}");
    assert!(output.contains("Interrupt received"), "Terraform saw the interrupt:\n{output}\n{stderr}");

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
