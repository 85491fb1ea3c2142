//! What to do and where: the intent, the services the question names, and the services its
//! filters imply when it names none.

use super::words::Words;
use super::{GroupBy, INSTANCE_STATES, IamEntity, Intent, Parsed, Service};

/// `count` when the question asks for a number, else `list`.
pub(super) fn intent(q: &mut Words, p: &mut Parsed) {
    let count = q.text.contains("how many")
        || q.text.contains("number of")
        || q.lows().any(|w| matches!(w, "count" | "total" | "tally"));
    p.intent = if count { Intent::Count } else { Intent::List };
}

/// Words that name a database, which make the `instances` after them RDS DB instances.
fn is_db_word(w: &str) -> bool {
    matches!(w, "db" | "database" | "rds" | "aurora")
}

/// The service `word` names (`prev` is the word before it).
pub(super) fn service_of(word: &str, prev: &str) -> Option<Service> {
    Some(match word {
        "cloudformation" | "cfn" | "stack" | "stacks" => Service::CloudFormation,
        "elb" | "elbs" | "alb" | "albs" | "nlb" | "nlbs" | "balancer" | "balancers" | "loadbalancer"
        | "loadbalancers" => Service::Elb,
        // "scaling groups", "auto scaling"; a bare "group" is too common ("security groups").
        "autoscaling" | "asg" | "asgs" | "scaling" => Service::AutoScaling,
        "cloudwatch" | "alarm" | "alarms" | "alert" | "alerts" => Service::CloudWatch,
        "route53" | "dns" | "zone" | "zones" => Service::Route53,
        "config" | "compliance" | "rule" | "rules" => Service::Config,
        "cost" | "costs" | "spend" | "spent" | "spending" | "bill" | "billing" | "billed" | "charges" => Service::Cost,
        "53" if prev == "route" => Service::Route53,
        "ec2" | "vm" | "vms" | "server" | "servers" | "machine" | "machines" => Service::Ec2,
        // "db instances" are RDS only, never also EC2.
        "instance" | "instances" if is_db_word(prev) => Service::Rds,
        "instance" | "instances" => Service::Ec2,
        "s3" | "bucket" | "buckets" => Service::S3,
        "rds" | "database" | "databases" | "db" | "dbs" | "aurora" | "postgres" | "postgresql" | "mysql"
        | "mariadb" => Service::Rds,
        "lambda" | "lambdas" | "function" | "functions" | "serverless" => Service::Lambda,
        "iam" | "role" | "roles" | "user" | "users" => Service::Iam,
        "support" | "case" | "cases" | "ticket" | "tickets" => Service::Support,
        _ => return None,
    })
}

/// Every service a word names; IAM roles only or users only when just one of them is named.
pub(super) fn services(q: &mut Words, p: &mut Parsed) {
    let (mut roles, mut users) = (false, false);
    for i in 0..q.len() {
        let Some(service) = service_of(q.low(i), q.prev(i)) else { continue };
        roles |= matches!(q.low(i), "role" | "roles");
        users |= matches!(q.low(i), "user" | "users");
        p.services.push(service);
        q.used[i] = true;
        // The other words of "load balancers" and "auto scaling groups" are taken with it, so no
        // later rule reads them as a name.
        if matches!(q.low(i), "balancer" | "balancers") && q.prev(i) == "load" {
            q.used[i - 1] = true;
        }
        if q.low(i) == "53" {
            q.used[i - 1] = true;
        }
        if q.low(i) == "scaling" {
            if i > 0 && q.prev(i) == "auto" {
                q.used[i - 1] = true;
            }
            if matches!(q.next(i), "group" | "groups") {
                q.used[i + 1] = true;
            }
        }
    }
    if roles != users {
        p.filters.iam_entity = Some(if roles { IamEntity::Role } else { IamEntity::User });
    }
    // Spend is added up, however it is asked for ("how much", "total", "list the costs").
    if p.services == [Service::Cost] {
        p.intent = Intent::Sum;
    }
}

/// For spend: per service when the question says so ("per service", "by service", "each
/// service", "which services"), else per account.
pub(super) fn group_by(q: &mut Words, p: &mut Parsed) {
    if !p.services.contains(&Service::Cost) {
        return;
    }
    for i in 0..q.len() {
        if matches!(q.low(i), "service" | "services") && matches!(q.prev(i), "per" | "by" | "each" | "which" | "every")
        {
            p.filters.group_by = Some(GroupBy::Service);
            q.used[i] = true;
        }
    }
    let per = if p.filters.group_by == Some(GroupBy::Service) { "account and service" } else { "account" };
    p.notes.push(format!(
        "spend is Cost Explorer's unblended cost per {per}, over the time range's days (this month so far when none is named)"
    ));
}

/// With no service named: the services the filters apply to (severity or status → Support,
/// `available` → RDS, another instance state → EC2, any other state → the services whose items
/// have it), else every service. Then notes on filters that do not apply to any service read.
pub(super) fn inferred_services(_: &mut Words, p: &mut Parsed) {
    let f = &p.filters;
    let for_cases = f.severity.is_some() || f.status.is_some();
    let state = f.state.as_deref();
    if p.services.is_empty() {
        if for_cases {
            p.services.push(Service::Support);
        }
        match state {
            Some("available") => p.services.push(Service::Rds),
            Some(s) if INSTANCE_STATES.contains(&s) => p.services.push(Service::Ec2),
            Some(s) => p.services.extend(Service::ALL.into_iter().filter(|sv| sv.takes_state(s))),
            None => {}
        }
        if p.services.is_empty() {
            p.services.extend(Service::RESOURCES);
            let names: Vec<&str> = Service::RESOURCES.iter().map(|s| s.as_str()).collect();
            p.notes.push(format!("no service named: every service is read ({})", names.join(", ")));
        }
    }
    if for_cases && !p.services.contains(&Service::Support) {
        p.notes.push("severity and status apply to Support cases only".to_owned());
    }
    if let Some(s) = state
        && !p.services.iter().any(|sv| sv.takes_state(s))
    {
        p.notes.push(if INSTANCE_STATES.contains(&s) {
            "state applies to EC2 and RDS instances only".to_owned()
        } else {
            let takers: Vec<&str> =
                Service::ALL.into_iter().filter(|sv| sv.takes_state(s)).map(|sv| sv.noun(2)).collect();
            format!("state {s} applies to {} only", takers.join(" and "))
        });
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::super::{apply, notes_of, parse};
    use super::*;

    const NOW: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    #[test]
    fn intent_table() {
        let rows = [
            ("list ec2 instances", Intent::List),
            ("how many db instances are there", Intent::Count),
            ("number of buckets", Intent::Count),
            ("total ec2 instances", Intent::Count),
            ("count lambda functions", Intent::Count),
            ("tally the cases", Intent::Count),
            ("what buckets exist", Intent::List),
            ("how are my buckets", Intent::List),
            ("", Intent::List),
        ];
        for (question, want) in rows {
            assert_eq!(apply(&[intent], question, NOW).intent, want, "{question:?}");
        }
    }

    #[test]
    fn services_table() {
        use Service::*;
        #[rustfmt::skip]
        let rows: &[(&str, &[Service], Option<IamEntity>)] = &[
            ("list ec2 instances", &[Ec2], None),
            ("show me all servers", &[Ec2], None),
            ("which VMs do we have?", &[Ec2], None),
            ("list s3 buckets", &[S3], None),
            ("list RDS databases", &[Rds], None),
            ("how many db instances are there", &[Rds], None),
            ("aurora instances and ec2 instances", &[Ec2, Rds], None),
            ("db instances and other instances", &[Ec2, Rds], None),
            ("list postgres databases", &[Rds], None),
            ("serverless functions please", &[Lambda], None),
            ("list IAM roles", &[Iam], Some(IamEntity::Role)),
            ("how many iam users", &[Iam], Some(IamEntity::User)),
            ("list iam roles and users", &[Iam], None),
            ("list iam", &[Iam], None),
            ("show support cases", &[Support], None),
            ("list my tickets", &[Support], None),
            ("count lambda functions and rds instances", &[Rds, Lambda], None),
            ("which stacks failed?", &[CloudFormation], None),
            ("list cloudformation stacks", &[CloudFormation], None),
            ("how many CFN stacks", &[CloudFormation], None),
            ("list load balancers", &[Elb], None),
            ("how many ALBs and NLBs", &[Elb], None),
            ("classic ELBs in eu-west-1", &[Elb], None),
            ("list auto scaling groups", &[AutoScaling], None),
            ("how many ASGs", &[AutoScaling], None),
            ("scaling groups tagged env=prod", &[AutoScaling], None),
            ("which alarms are firing?", &[CloudWatch], None),
            ("cloudwatch alerts", &[CloudWatch], None),
            ("security groups", &[], None),
            ("list route53 hosted zones", &[Route53], None),
            ("how many DNS zones", &[Route53], None),
            ("route 53 zones tagged env=prod", &[Route53], None),
            ("what did each account spend last month?", &[Cost], None),
            ("how much did we spend", &[Cost], None),
            ("cost per service", &[Cost], None),
            ("show the bill", &[Cost], None),
            ("which config rules are non-compliant", &[Config], None),
            ("compliance by rule", &[Config], None),
            ("hello there", &[], None),
        ];
        for (question, want, entity) in rows {
            let p = apply(&[services], question, NOW);
            assert_eq!((p.services.as_slice(), p.filters.iam_entity), (*want, *entity), "{question:?}");
        }
    }

    #[test]
    fn inferred_services_table() {
        use Service::*;
        let every = "no service named: every service is read \
                     (ec2, s3, rds, lambda, iam, support, cloudformation, elb, autoscaling, cloudwatch, route53, config)";
        let cases_only = "severity and status apply to Support cases only";
        let instances_only = "state applies to EC2 and RDS instances only";
        #[rustfmt::skip]
        let rows: &[(&str, &[Service], &[&str])] = &[
            ("list buckets", &[S3], &[]),
            ("severity low", &[Support], &[]),
            ("what is unresolved", &[Support], &[]),
            ("what is running?", &[Ec2], &[]),
            ("available databases", &[Rds], &[]),
            ("anything available", &[Rds], &[]),
            ("open and stopped", &[Ec2, Support], &[]),
            ("hello", &Service::RESOURCES, &[every]),
            ("what is tagged env=prod?", &Service::RESOURCES, &[every]),
            ("critical severity buckets", &[S3], &[cases_only]),
            ("running buckets", &[S3], &[instances_only]),
            ("running ec2 instances", &[Ec2], &[]),
            ("what is firing?", &[CloudWatch], &[]),
            ("what failed", &[CloudFormation, Elb], &[]),
            ("anything drifted?", &[CloudFormation], &[]),
            ("what is non-compliant?", &[Config], &[]),
            ("drifted buckets", &[S3], &["state drifted applies to CloudFormation stacks only"]),
            ("firing alarms and failed stacks", &[CloudFormation, CloudWatch],
             &["several states named; only alarm is used"]),
        ];
        for (question, want, notes) in rows {
            let p = parse(question, NOW);
            assert_eq!((p.services.as_slice(), notes_of(&p)), (*want, notes.to_vec()), "{question:?}");
        }
    }
}
