"""Seeds the resources the chat-query Lambda reads into accounts of a localaws organization.

    python -m localaws.seed_resources --endpoint URL --seed S
        [--accounts id,id,...] [--role-name R] [--skip-role id,id] [--regions r1,r2]

For each account (default: the management account, then every ACTIVE member in joining order)
it assumes OrganizationAccountAccessRole (the management account uses its own credentials),
creates the read-only role R (default ChatSystemReadOnlyRole, trusting the management account)
unless the account is in --skip-role, then creates, with counts, states, tags and regions that
follow from the seed and the account ID:
- EC2 instances in each of --regions (default us-east-1,eu-west-1), some stopped, tagged
  `env` (prod|dev) and `Name`;
- S3 buckets, some in the second region, some tagged `env`;
- RDS DB instances (postgres) in the first region, tagged `env`;
- Lambda functions in the first region (with an execution role `cq-lambda-exec`), tagged `env`;
- IAM users, tagged `env`;
- CloudFormation stacks in the first region, tagged `env`, some failed (ROLLBACK_COMPLETE or
  UPDATE_ROLLBACK_FAILED, set through ext_cloudformation, as moto never fails a stack) and some drifted;
- load balancers in the first region: Application ones and Classic ones, tagged `env`;
- Auto Scaling groups in the first region (no instances, so EC2's counts stay the seed's), tagged `env`;
- CloudWatch metric alarms in the first region, tagged `env`, some in ALARM, some OK, the rest
  INSUFFICIENT_DATA;
- Route 53 public hosted zones (`<account>-<n>.cq.example.`) with a few A records, tagged `env`;
- CloudWatch metric data in the first region, for the last two hours: CPUUtilization of each
  instance and Invocations of each function, a few datapoints each;
- AWS Config rules in the first region over the account's buckets and instances there, each
  resource evaluated COMPLIANT or NON_COMPLIANT (reported through ext_config, as moto evaluates
  nothing); a rule may have nothing to evaluate (INSUFFICIENT_DATA).

It prints the truth as JSON, read back from the APIs in each account (so it also holds what
moto or Organizations created on their own, e.g. OrganizationAccountAccessRole):
`seed`, `role_name`, `regions`, `accounts` (`account_id`, `reader_role` (null where skipped),
`ec2` [{id, region, state, tags}], `s3` [{name, region, tags}], `rds` [{id, region, status,
tags}], `lambda` [{name, region, tags}], `iam_roles` [names], `iam_users` [names],
`cloudformation` [{name, region, status, drift, tags}], `elb` [{name, region, kind, state, tags}],
`autoscaling` [{name, region, tags}], `cloudwatch` [{name, region, state, tags}], `route53` [{id, name,
record_count, tags}], `config` [{name, region, compliance, non_compliant ["<type>/<id>"]}], `metrics`
[{namespace, name, dimension, resource, region, sum, samples, maximum, minimum}] over the last 24 hours).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.config

from localaws import CONTROL_PREFIX
from localaws.seed_cases import default_accounts

ACCESS_KEY = "testing"
MEMBER_ROLE = "OrganizationAccountAccessRole"
DEFAULT_ROLE = "ChatSystemReadOnlyRole"
DEFAULT_REGIONS = ("us-east-1", "eu-west-1")
LAMBDA_ROLE = "cq-lambda-exec"
SESSION_NAME = "localaws-seed-resources"
# moto does not check the image; listing its images instead costs ~1.5 s per account and region.
IMAGE_ID = "ami-12c6146b"
WORKERS = 6
MAX_PAGES = 1000

_CONFIG = botocore.config.Config(retries={"mode": "standard", "max_attempts": 3})
# What cima_linked_account grants the role (cima-core's QUERY_ROLE_ACTIONS); moto does not enforce it.
_READ_ONLY_ACTIONS = ["autoscaling:DescribeAutoScalingGroups", "cloudformation:DescribeStacks",
                      "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricStatistics",
                      "cloudwatch:ListTagsForResource",
                      "config:DescribeComplianceByConfigRule", "config:GetComplianceDetailsByConfigRule",
                      "ec2:DescribeInstances",
                      "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags",
                      "iam:ListRoleTags", "iam:ListRoles", "iam:ListUserTags", "iam:ListUsers", "lambda:ListFunctions",
                      "lambda:ListTags", "rds:DescribeDBInstances", "route53:ListHostedZones",
                      "route53:ListTagsForResource", "s3:GetBucketLocation", "s3:GetBucketTagging",
                      "s3:ListAllMyBuckets", "support:DescribeCases"]
_STACK_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
_FAILED_STACK = (("ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Topic]."),
                 ("UPDATE_ROLLBACK_FAILED", "The following resource(s) failed to update: [Topic]."))


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


class _Clients:
    def __init__(self, endpoint: str, credentials: dict[str, str] | None):
        self.session = boto3.session.Session()
        self.endpoint = endpoint
        self.credentials = credentials or {"AccessKeyId": ACCESS_KEY, "SecretAccessKey": ACCESS_KEY}

    def __call__(self, service: str, region: str = "us-east-1") -> Any:
        c = self.credentials
        return self.session.client(service, endpoint_url=self.endpoint, region_name=region, config=_CONFIG,
                                   aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                                   aws_session_token=c.get("SessionToken"))


def _pages(call: Any, key: str, token_in: str, token_out: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    token = None
    for _ in range(MAX_PAGES):
        page = call(**kwargs, **({token_in: token} if token else {}))
        items.extend(page.get(key, []))
        token = page.get(token_out)
        if not token:
            return items
    raise RuntimeError(f"{key}: still paging after {MAX_PAGES} pages")


def _tags(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in pairs or []}


def _credentials(endpoint: str, account_id: str, management_id: str) -> dict[str, str] | None:
    if account_id == management_id:
        return None
    sts = _Clients(endpoint, None)("sts")
    return sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{MEMBER_ROLE}",
                           RoleSessionName=SESSION_NAME)["Credentials"]


def _create_reader_role(iam: Any, role_name: str, management_id: str) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management_id}:root"}, "Action": "sts:AssumeRole"}]}
    try:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust),
                        Description="Read-only role of the chat query API (seeded by localaws)")
    except iam.exceptions.EntityAlreadyExistsException:
        return
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": _READ_ONLY_ACTIONS,
                                                       "Resource": "*"}]}
    iam.put_role_policy(RoleName=role_name, PolicyName="read-only", PolicyDocument=json.dumps(policy))


def seed_account(endpoint: str, seed: int, account_id: str, management_id: str, regions: list[str],
                 role_name: str | None) -> None:
    rng = random.Random(f"{seed}/{account_id}/resources")
    client = _Clients(endpoint, _credentials(endpoint, account_id, management_id))
    iam = client("iam")
    if role_name:
        _create_reader_role(iam, role_name, management_id)
    home = regions[0]
    for region in regions:
        ec2 = client("ec2", region)
        count = rng.randint(0, 3)
        if not count:
            continue
        ids = []
        for index in range(count):
            env = rng.choice(("prod", "dev"))
            tags = [{"Key": "env", "Value": env}, {"Key": "Name", "Value": f"cq-{account_id}-{region}-{index}"}]
            out = ec2.run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                    TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])
            ids.append(out["Instances"][0]["InstanceId"])
        stopped = [i for i in ids if rng.random() < 0.35]
        if stopped:
            ec2.stop_instances(InstanceIds=stopped)
    s3 = client("s3", home)
    for index in range(rng.randint(0, 2)):
        name = f"cq-{seed}-{account_id}-{index}"
        region = rng.choice(regions)
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        client("s3", region).create_bucket(**kwargs)
        if rng.random() < 0.5:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "env", "Value": rng.choice(("prod", "dev"))}]})
    if rng.random() < 0.4:
        client("rds", home).create_db_instance(
            DBInstanceIdentifier=f"cq-db-{account_id}", Engine="postgres", DBInstanceClass="db.t3.micro",
            MasterUsername="admin_user", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
            Tags=[{"Key": "env", "Value": rng.choice(("prod", "dev"))}])
    functions = rng.randint(0, 2)
    if functions:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        role_arn = iam.create_role(RoleName=LAMBDA_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        code = _zip()
        for index in range(functions):
            client("lambda", home).create_function(
                FunctionName=f"cq-fn-{index}", Runtime="python3.12", Role=role_arn, Handler="handler.handler",
                Code={"ZipFile": code}, Tags={"env": rng.choice(("prod", "dev"))})
    for index in range(rng.randint(0, 2)):
        iam.create_user(UserName=f"cq-user-{index}", Tags=[{"Key": "env", "Value": rng.choice(("prod", "dev"))}])
    _seed_operations(endpoint, client, rng, account_id, home)


def _env(rng: random.Random) -> list[dict[str, str]]:
    return [{"Key": "env", "Value": rng.choice(("prod", "dev"))}]


def _control(endpoint: str, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(endpoint.rstrip("/") + CONTROL_PREFIX + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def _seed_operations(endpoint: str, client: _Clients, rng: random.Random, account_id: str, home: str) -> None:
    """Stacks, load balancers, Auto Scaling groups and alarms in the home region."""
    cfn = client("cloudformation", home)
    for index in range(rng.randint(0, 3)):
        name = f"cq-stack-{index}"
        cfn.create_stack(StackName=name, TemplateBody=_STACK_TEMPLATE, Tags=_env(rng))
        outcome: dict[str, Any] = {}
        if rng.random() < 0.35:
            outcome["status"], outcome["status_reason"] = rng.choice(_FAILED_STACK)
        if rng.random() < 0.3:
            outcome["drift"] = "DRIFTED"
        if outcome:
            _control(endpoint, "cloudformation/stack-outcome",
                     {"account_id": account_id, "region": home, "stack_name": name, **outcome})
    if rng.random() < 0.5:
        ec2 = client("ec2", home)
        subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        client("elbv2", home).create_load_balancer(
            Name=f"cq-alb-{account_id}", Subnets=[s["SubnetId"] for s in subnets[:2]], Tags=_env(rng))
    if rng.random() < 0.4:
        client("elb", home).create_load_balancer(
            LoadBalancerName=f"cq-clb-{account_id}", AvailabilityZones=[f"{home}a"], Tags=_env(rng),
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    groups = rng.randint(0, 2)
    if groups:
        scaling = client("autoscaling", home)
        scaling.create_launch_configuration(LaunchConfigurationName="cq-launch", ImageId=IMAGE_ID,
                                            InstanceType="t3.micro")
        for index in range(groups):
            tags = [{**t, "PropagateAtLaunch": True} for t in _env(rng)]
            scaling.create_auto_scaling_group(
                AutoScalingGroupName=f"cq-asg-{index}", LaunchConfigurationName="cq-launch", MinSize=0, MaxSize=2,
                DesiredCapacity=0, AvailabilityZones=[f"{home}a"], Tags=tags)
    cloudwatch = client("cloudwatch", home)
    for index in range(rng.randint(0, 3)):
        name = f"cq-alarm-{index}"
        cloudwatch.put_metric_alarm(
            AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average", Period=300,
            EvaluationPeriods=1, Threshold=80.0, ComparisonOperator="GreaterThanThreshold", Tags=_env(rng))
        state = rng.choice(("ALARM", "OK", None))
        if state:
            cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="seeded by localaws")
    route53 = client("route53")
    for index in range(rng.randint(0, 2)):
        name = f"{account_id}-{index}.cq.example."
        zone = route53.create_hosted_zone(Name=name, CallerReference=f"cq-{account_id}-{index}")["HostedZone"]
        zone_id = zone["Id"].rsplit("/", 1)[-1]
        changes = [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": f"host{n}.{name}", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": f"10.0.0.{n + 1}"}]}}
            for n in range(rng.randint(1, 4))]
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
        route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id, AddTags=_env(rng))
    _seed_metrics(client, rng, home)
    _seed_config(endpoint, client, rng, account_id, home)


# (namespace, dimension, metric) seeded for each instance and each function in the home region.
_SEEDED_METRICS = (("AWS/EC2", "InstanceId", "CPUUtilization", "Percent"),
                   ("AWS/Lambda", "FunctionName", "Invocations", "Count"))


def _metric_resources(client: _Clients, home: str) -> dict[str, list[str]]:
    reservations = client("ec2", home).describe_instances()["Reservations"]
    return {"InstanceId": [i["InstanceId"] for r in reservations for i in r["Instances"]],
            "FunctionName": [f["FunctionName"] for f in client("lambda", home).list_functions()["Functions"]]}


def _seed_metrics(client: _Clients, rng: random.Random, home: str) -> None:
    """A few datapoints (some periods with several samples) in the last two hours: inside any "last day"."""
    cloudwatch = client("cloudwatch", home)
    now = datetime.now(timezone.utc)
    resources = _metric_resources(client, home)
    for namespace, dimension, name, unit in _SEEDED_METRICS:
        for resource in resources[dimension]:
            data = [{"MetricName": name, "Dimensions": [{"Name": dimension, "Value": resource}], "Unit": unit,
                     "Timestamp": now - timedelta(minutes=10 * k + rng.randint(0, 5)),
                     "Value": float(rng.randint(0, 100)) if unit == "Percent" else float(rng.randint(0, 40))}
                    for k in range(1, rng.randint(2, 9))]
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)


# (rule, managed rule it stands for, its parameters, resource type it evaluates)
_CONFIG_RULES = (("cq-s3-versioning", "S3_BUCKET_VERSIONING_ENABLED", None, "AWS::S3::Bucket"),
                 ("cq-ec2-required-tags", "REQUIRED_TAGS", {"tag1Key": "team"}, "AWS::EC2::Instance"))


def _seed_config(endpoint: str, client: _Clients, rng: random.Random, account_id: str, home: str) -> None:
    """Config rules over the account's buckets and instances in the home region, evaluated."""
    if rng.random() < 0.3:
        return
    config = client("config", home)
    s3 = client("s3", home)
    in_scope = {
        "AWS::S3::Bucket": [b["Name"] for b in s3.list_buckets().get("Buckets", [])
                            if (s3.get_bucket_location(Bucket=b["Name"]).get("LocationConstraint") or "us-east-1") == home],
        "AWS::EC2::Instance": [i["InstanceId"] for r in client("ec2", home).describe_instances()["Reservations"]
                               for i in r["Instances"]],
    }
    for name, source, parameters, resource_type in _CONFIG_RULES:
        rule: dict[str, Any] = {"ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": source},
                                "Scope": {"ComplianceResourceTypes": [resource_type]}}
        if parameters:
            rule["InputParameters"] = json.dumps(parameters)
        config.put_config_rule(ConfigRule=rule)
        evaluations = [{"resource_type": resource_type, "resource_id": r,
                        "compliance": "NON_COMPLIANT" if rng.random() < 0.5 else "COMPLIANT"}
                       for r in in_scope[resource_type]]
        if evaluations:
            _control(endpoint, "config/evaluations",
                     {"account_id": account_id, "region": home, "rule": name, "evaluations": evaluations})


def read_truth(endpoint: str, account_id: str, management_id: str, regions: list[str],
               role_name: str | None) -> dict[str, Any]:
    client = _Clients(endpoint, _credentials(endpoint, account_id, management_id))
    ec2_items = []
    for region in regions:
        reservations = _pages(client("ec2", region).describe_instances, "Reservations", "NextToken", "NextToken")
        for r in reservations:
            for i in r["Instances"]:
                ec2_items.append({"id": i["InstanceId"], "region": region, "state": i["State"]["Name"],
                                  "tags": _tags(i.get("Tags"))})
    s3 = client("s3")
    buckets = []
    for b in s3.list_buckets().get("Buckets", []):
        location = s3.get_bucket_location(Bucket=b["Name"]).get("LocationConstraint") or "us-east-1"
        try:
            tags = _tags(s3.get_bucket_tagging(Bucket=b["Name"])["TagSet"])
        except s3.exceptions.ClientError:
            tags = {}
        buckets.append({"name": b["Name"], "region": location, "tags": tags})
    rds_items = []
    lambda_items = []
    for region in regions:
        rds = client("rds", region)
        for d in _pages(rds.describe_db_instances, "DBInstances", "Marker", "Marker"):
            rds_items.append({"id": d["DBInstanceIdentifier"], "region": region, "status": d["DBInstanceStatus"],
                              "tags": _tags(d.get("TagList"))})
        lam = client("lambda", region)
        for f in _pages(lam.list_functions, "Functions", "Marker", "NextMarker"):
            tags = lam.list_tags(Resource=f["FunctionArn"]).get("Tags", {})
            lambda_items.append({"name": f["FunctionName"], "region": region, "tags": tags})
    iam = client("iam")
    roles = [r["RoleName"] for r in _pages(iam.list_roles, "Roles", "Marker", "Marker")]
    users = [u["UserName"] for u in _pages(iam.list_users, "Users", "Marker", "Marker")]
    truth = {"account_id": account_id, "reader_role": role_name, "ec2": ec2_items, "s3": buckets, "rds": rds_items,
             "lambda": lambda_items, "iam_roles": sorted(roles), "iam_users": sorted(users)}
    truth.update(_operations_truth(client, regions))
    return truth


def _operations_truth(client: _Clients, regions: list[str]) -> dict[str, list[dict[str, Any]]]:
    truth: dict[str, list[dict[str, Any]]] = {"cloudformation": [], "elb": [], "autoscaling": [], "cloudwatch": [],
                                              "route53": [], "config": [], "metrics": []}
    route53 = client("route53")
    for z in _pages(route53.list_hosted_zones, "HostedZones", "Marker", "NextMarker"):
        zone_id = z["Id"].rsplit("/", 1)[-1]
        tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)["ResourceTagSet"]
        truth["route53"].append({"id": zone_id, "name": z["Name"], "record_count": z["ResourceRecordSetCount"],
                                 "tags": _tags(tags.get("Tags"))})
    for region in regions:
        cfn = client("cloudformation", region)
        for s in _pages(cfn.describe_stacks, "Stacks", "NextToken", "NextToken"):
            truth["cloudformation"].append({
                "name": s["StackName"], "region": region, "status": s["StackStatus"],
                "drift": s.get("DriftInformation", {}).get("StackDriftStatus", "NOT_CHECKED"),
                "tags": _tags(s.get("Tags"))})
        elbv2 = client("elbv2", region)
        for lb in _pages(elbv2.describe_load_balancers, "LoadBalancers", "Marker", "NextMarker"):
            tags = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0].get("Tags")
            truth["elb"].append({"name": lb["LoadBalancerName"], "region": region, "kind": lb["Type"],
                                 "state": lb["State"]["Code"], "tags": _tags(tags)})
        elb = client("elb", region)
        for lb in _pages(elb.describe_load_balancers, "LoadBalancerDescriptions", "Marker", "NextMarker"):
            tags = elb.describe_tags(LoadBalancerNames=[lb["LoadBalancerName"]])["TagDescriptions"][0].get("Tags")
            truth["elb"].append({"name": lb["LoadBalancerName"], "region": region, "kind": "classic",
                                 "state": None, "tags": _tags(tags)})
        scaling = client("autoscaling", region)
        for g in _pages(scaling.describe_auto_scaling_groups, "AutoScalingGroups", "NextToken", "NextToken"):
            truth["autoscaling"].append({"name": g["AutoScalingGroupName"], "region": region,
                                         "tags": _tags(g.get("Tags"))})
        config = client("config", region)
        for rule in config.describe_compliance_by_config_rule().get("ComplianceByConfigRules", []):
            details = config.get_compliance_details_by_config_rule(
                ConfigRuleName=rule["ConfigRuleName"], ComplianceTypes=["NON_COMPLIANT"], Limit=100)
            truth["config"].append({
                "name": rule["ConfigRuleName"], "region": region, "compliance": rule["Compliance"]["ComplianceType"],
                "non_compliant": sorted(f"{q['ResourceType']}/{q['ResourceId']}" for q in (
                    d["EvaluationResultIdentifier"]["EvaluationResultQualifier"] for d in details["EvaluationResults"]))})
        cloudwatch = client("cloudwatch", region)
        for a in _pages(cloudwatch.describe_alarms, "MetricAlarms", "NextToken", "NextToken"):
            tags = cloudwatch.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags")
            truth["cloudwatch"].append({"name": a["AlarmName"], "region": region, "state": a["StateValue"],
                                        "tags": _tags(tags)})
        truth["metrics"].extend(_metrics_truth(client, region))
    return truth


def _metrics_truth(client: _Clients, region: str) -> list[dict[str, Any]]:
    """Each seeded metric over the last 24 hours, in one period."""
    cloudwatch = client("cloudwatch", region)
    until = datetime.now(timezone.utc)
    found = []
    for namespace, dimension, name, _ in _SEEDED_METRICS:
        for resource in _metric_resources(client, region)[dimension]:
            points = cloudwatch.get_metric_statistics(
                Namespace=namespace, MetricName=name, Dimensions=[{"Name": dimension, "Value": resource}],
                StartTime=until - timedelta(hours=24), EndTime=until, Period=86400,
                Statistics=["Sum", "SampleCount", "Maximum", "Minimum"])["Datapoints"]
            if points:
                found.append({"namespace": namespace, "name": name, "dimension": dimension, "resource": resource,
                              "region": region, "sum": sum(p["Sum"] for p in points),
                              "samples": sum(p["SampleCount"] for p in points),
                              "maximum": max(p["Maximum"] for p in points),
                              "minimum": min(p["Minimum"] for p in points)})
    return found


def seed_resources(endpoint: str, seed: int, accounts: list[str] | None = None, role_name: str = DEFAULT_ROLE,
                   skip_role: list[str] | tuple[str, ...] = (), regions: list[str] | None = None) -> dict[str, Any]:
    regions = list(regions or DEFAULT_REGIONS)
    org = _Clients(endpoint, None)("organizations")
    if accounts is None:
        management_id, accounts = default_accounts(org)
    else:
        management_id = org.describe_organization()["Organization"]["MasterAccountId"]
    if len(set(accounts)) != len(accounts):
        raise ValueError("--accounts lists an account twice")
    skip = set(skip_role)

    def one(account_id: str) -> dict[str, Any]:
        role = None if account_id in skip else role_name
        seed_account(endpoint, seed, account_id, management_id, regions, role)
        return read_truth(endpoint, account_id, management_id, regions, role)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        seeded = list(pool.map(one, accounts))
    return {"seed": seed, "role_name": role_name, "regions": regions, "accounts": seeded}


def _ids(text: str) -> list[str]:
    ids = [a for a in text.split(",") if a]
    for a in ids:
        if len(a) != 12 or not a.isdigit():
            raise argparse.ArgumentTypeError(f"not a 12-digit account ID: {a!r}")
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localaws.seed_resources")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--accounts", type=_ids)
    parser.add_argument("--role-name", default=DEFAULT_ROLE)
    parser.add_argument("--skip-role", type=_ids, default=[])
    parser.add_argument("--regions", type=lambda t: [r for r in t.split(",") if r], default=list(DEFAULT_REGIONS))
    args = parser.parse_args(argv)
    truth = seed_resources(args.endpoint, args.seed, args.accounts, args.role_name, args.skip_role, args.regions)
    json.dump(truth, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
