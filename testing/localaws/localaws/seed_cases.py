"""Seeds AWS Support cases into accounts of a localaws organization (`seed cases`).

    python -m localaws.seed cases --endpoint URL --seed S --per-account N
        [--accounts id,id,...] [--role-name R] [--skip-role id,id] [--now ISO-8601]

For each account (default: the management account, then every ACTIVE member in joining
order) it assumes OrganizationAccountAccessRole (the management account uses its own
credentials), creates role R (default CimaCaseReaderRole, trusting the management account)
unless the account is in --skip-role, and creates N cases through the Support API. Content,
severities, services, statuses, communications (from the customer and, through the control
endpoint, from AWS) and times all follow from the seed and the account ID. Times fall in the
400 days before the anchor: --now, by default the start of the current UTC day, so the same
seed gives the same truth all day long, also after a reset.

The truth printed is read back through DescribeCases and DescribeCommunications.
"""

from __future__ import annotations

import datetime
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.config

from localaws import AWS_SUBMITTER, CLOCK_HEADER

REGION = "us-east-1"
ACCESS_KEY = "testing"
MEMBER_ROLE = "OrganizationAccountAccessRole"
DEFAULT_ROLE = "CimaCaseReaderRole"
SESSION_NAME = "localaws-seed"
SPREAD_DAYS = 400
# Accounts seeded in parallel; the server is one Python process, so more buys little.
WORKERS = 6
MAX_PAGES = 1000

# Statuses the seed spreads cases over, in proportion (resolved is the common end state).
# The first six cover every status.
_SCENARIOS = ("resolved", "pending-customer-action", "opened", "work-in-progress", "reopened",
              "unassigned", "resolved", "resolved")
_SEVERITY_WEIGHTS = (("low", 30), ("normal", 30), ("high", 20), ("urgent", 12), ("critical", 8))
_ISSUES = ("Elevated latency", "Intermittent timeouts", "Access denied errors", "Quota increase request",
           "Unexpected behaviour", "Resource unreachable", "Replication lag", "Throttling errors",
           "Configuration question", "Failed deployment")
_SCOPES = ("in production", "in staging", "after a deployment", "since last night",
           "for one workload", "during peak hours")
_REPLIES_AWS = ("Thank you for contacting AWS Support. Could you share the request IDs?",
                "We have reproduced the issue and are working with the service team.",
                "The service team deployed a fix; please confirm it works for you.",
                "Please check the attached guidance and let us know the outcome.")
_REPLIES_CUSTOMER = ("Request IDs attached; it still happens several times an hour.",
                     "Thanks, we see the same behaviour in a second account.",
                     "Confirmed, the issue no longer occurs.",
                     "The problem is back since this morning.")

_MGMT_CONFIG = botocore.config.Config(retries={"mode": "standard", "max_attempts": 3})


def start_of_utc_day(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.astimezone(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def iso_millis(value: datetime.datetime) -> str:
    utc = value.astimezone(datetime.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def plan_cases(seed: int, account_id: str, count: int, anchor: datetime.datetime,
               services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases of one account, oldest first, from the seed alone (no API calls).

    Each case: fields for CreateCase, `created` and `steps`, a chronological list of
    (time, action, body) with actions aws (reply from AWS, optional status), customer, resolve,
    and unassigned (status set by AWS staff).
    """
    rng = random.Random(f"{seed}/{account_id}")
    scenarios = [_SCENARIOS[i % len(_SCENARIOS)] for i in range(count)]
    rng.shuffle(scenarios)
    window = SPREAD_DAYS * 86400
    offsets = sorted(rng.uniform(3600, window) for _ in range(count))
    planned = []
    for index, offset in enumerate(reversed(offsets)):
        created = anchor - datetime.timedelta(seconds=offset)
        service = rng.choice(services)
        category = rng.choice(service["categories"])
        severity = rng.choices([s for s, _ in _SEVERITY_WEIGHTS], [w for _, w in _SEVERITY_WEIGHTS])[0]
        subject = f"{rng.choice(_ISSUES)} on {service['name']} {rng.choice(_SCOPES)}"
        scenario = scenarios[index]
        # Some back-and-forth first, sometimes more than five messages in all.
        actions: list[tuple[str, str | None]] = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            actions += [("aws", None), ("customer", None)]
        if scenario == "pending-customer-action":
            actions.append(("aws", None))
        elif scenario == "work-in-progress":
            actions.append(("aws", "work-in-progress"))
        elif scenario == "unassigned":
            actions = [("unassigned", None)]
        elif scenario == "resolved":
            actions += [("aws", None), ("resolve", None)]
        elif scenario == "reopened":
            actions += [("aws", None), ("resolve", None), ("customer", None)]
        # Gaps of minutes to days, squeezed so every step stays before the anchor.
        gaps = [rng.uniform(300, 2 * 86400) for _ in actions]
        room = (anchor - created).total_seconds() * 0.9
        scale = min(1.0, room / sum(gaps)) if gaps else 1.0
        steps, when = [], created
        for (action, status), gap in zip(actions, gaps):
            when += datetime.timedelta(seconds=gap * scale)
            replies = _REPLIES_AWS if action == "aws" else _REPLIES_CUSTOMER
            steps.append({"time": when, "action": action, "status": status, "body": rng.choice(replies)})
        planned.append({
            "created": created,
            "subject": subject,
            "serviceCode": service["code"],
            "categoryCode": category["code"],
            "severityCode": severity,
            "language": "ja" if rng.random() < 0.1 else "en",
            "ccEmailAddresses": [f"ops+{account_id}@example.com"] if rng.random() < 0.3 else [],
            "communicationBody": f"{subject}. Seeded case {index + 1} of account {account_id} (seed {seed}).",
            "steps": steps,
        })
    return planned


class _Seeder:
    def __init__(self, endpoint: str, post: Any):
        self.endpoint = endpoint
        self.post = post
        self._local = threading.local()

    def session(self) -> boto3.session.Session:
        # boto3 sessions are not thread-safe; one per worker also shares its model cache.
        if not hasattr(self._local, "session"):
            self._local.session = boto3.session.Session()
        return self._local.session

    def client(self, service: str, credentials: dict[str, str] | None = None) -> Any:
        credentials = credentials or {"AccessKeyId": ACCESS_KEY, "SecretAccessKey": ACCESS_KEY}
        return self.session().client(
            service, endpoint_url=self.endpoint, region_name=REGION, config=_MGMT_CONFIG,
            aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials.get("SessionToken"),
        )

    def credentials_for(self, account_id: str, management_id: str) -> dict[str, str] | None:
        if account_id == management_id:
            return None
        return self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{MEMBER_ROLE}", RoleSessionName=SESSION_NAME,
        )["Credentials"]

    def seed_account(self, account_id: str, management_id: str, plan: list[dict[str, Any]],
                     role_name: str | None) -> dict[str, Any]:
        credentials = self.credentials_for(account_id, management_id)
        if role_name:
            create_reader_role(self.client("iam", credentials), role_name, management_id)
        support = self.client("support", credentials)
        clock: dict[str, str] = {}

        def stamp(request: Any, **_: Any) -> None:
            if "at" in clock:
                request.headers[CLOCK_HEADER] = clock["at"]

        support.meta.events.register("before-sign.support.*", stamp)
        case_ids = []
        for case in plan:
            clock["at"] = iso_millis(case["created"])
            fields = {k: case[k] for k in ("subject", "serviceCode", "categoryCode", "severityCode",
                                           "language", "communicationBody", "ccEmailAddresses")}
            case_ids.append(support.create_case(**fields)["caseId"])
        for case_id, case in zip(case_ids, plan):
            for step in case["steps"]:
                clock["at"] = iso_millis(step["time"])
                if step["action"] == "customer":
                    support.add_communication_to_case(caseId=case_id, communicationBody=step["body"])
                elif step["action"] == "resolve":
                    support.resolve_case(caseId=case_id)
                elif step["action"] == "aws":
                    body: dict[str, Any] = {"account_id": account_id, "case_id": case_id, "body": step["body"],
                                            "time_created": clock["at"]}
                    if step["status"]:
                        body["status"] = step["status"]
                    self.post("/_localaws/support/communication", body)
                elif step["action"] == "unassigned":
                    self.post("/_localaws/support/case",
                              {"account_id": account_id, "case_id": case_id, "status": "unassigned"})
        clock.clear()
        return {"account_id": account_id, "cases": read_cases(support, account_id)}


def create_reader_role(iam: Any, role_name: str, management_id: str) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management_id}:root"},
        "Action": "sts:AssumeRole"}]}
    try:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust),
                        Description="Reads AWS Support cases (seeded by localaws)")
    except iam.exceptions.EntityAlreadyExistsException:
        return
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["support:DescribeCases", "support:DescribeCommunications"],
        "Resource": "*"}]}
    iam.put_role_policy(RoleName=role_name, PolicyName="support-read", PolicyDocument=json.dumps(policy))


def _all(call: Any, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    token = None
    for _ in range(MAX_PAGES):
        response = call(**kwargs, **({"nextToken": token} if token else {}))
        items.extend(response.get(key, []))
        token = response.get("nextToken")
        if not token:
            return items
    raise RuntimeError(f"{key}: still paging after {MAX_PAGES} pages")


def read_cases(support: Any, account_id: str) -> list[dict[str, Any]]:
    """Every case of the account as the API reports it, oldest first, with communications."""
    cases = _all(support.describe_cases, "cases", includeResolvedCases=True, includeCommunications=False,
                 maxResults=100)
    truth = []
    for case in cases:
        communications = _all(support.describe_communications, "communications", caseId=case["caseId"],
                              maxResults=100)
        truth.append({
            "account_id": account_id,
            "case_id": case["caseId"],
            "display_id": case["displayId"],
            "subject": case["subject"],
            "status": case["status"],
            "service_code": case["serviceCode"],
            "category_code": case["categoryCode"],
            "severity_code": case["severityCode"],
            "submitted_by": case["submittedBy"],
            "time_created": case["timeCreated"],
            "cc_email_addresses": case.get("ccEmailAddresses", []),
            "language": case["language"],
            # The API answers newest first; the truth lists them as they happened.
            "communications": [{
                "case_id": c["caseId"],
                "body": c["body"],
                "submitted_by": c["submittedBy"],
                "time_created": c["timeCreated"],
                "origin": "AWS" if c["submittedBy"] == AWS_SUBMITTER else "CUSTOMER",
                "attachment_set": [{"attachment_id": a.get("attachmentId"), "file_name": a.get("fileName")}
                                   for a in c.get("attachmentSet", [])],
            } for c in reversed(communications)],
        })
    truth.sort(key=lambda c: int(c["display_id"]))
    return truth


def default_accounts(org: Any) -> tuple[str, list[str]]:
    """(management account, accounts to seed): management first, then ACTIVE members in joining order."""
    try:
        management_id = org.describe_organization()["Organization"]["MasterAccountId"]
    except org.exceptions.AWSOrganizationsNotInUseException:
        raise SystemExit("seed cases: no organization; run `seed org` first or pass --accounts") from None
    accounts: list[dict[str, Any]] = []
    token = None
    for _ in range(MAX_PAGES):
        page = org.list_accounts(**({"NextToken": token} if token else {}))
        accounts.extend(page["Accounts"])
        token = page.get("NextToken")
        if not token:
            break
    members = sorted((a for a in accounts if a["Status"] == "ACTIVE" and a["Id"] != management_id),
                     key=lambda a: (a["JoinedTimestamp"], a["Id"]))
    return management_id, [management_id] + [a["Id"] for a in members]


def seed_cases(endpoint: str, post: Any, seed: int, per_account: int, accounts: list[str] | None = None,
               role_name: str = DEFAULT_ROLE, skip_role: list[str] | tuple[str, ...] = (),
               now: datetime.datetime | None = None) -> dict[str, Any]:
    if per_account < 0:
        raise ValueError("--per-account must not be negative")
    seeder = _Seeder(endpoint, post)
    org = seeder.client("organizations")
    if accounts is None:
        management_id, accounts = default_accounts(org)
    else:
        try:
            management_id = org.describe_organization()["Organization"]["MasterAccountId"]
        except org.exceptions.AWSOrganizationsNotInUseException:
            management_id = seeder.client("sts").get_caller_identity()["Account"]
    if len(set(accounts)) != len(accounts):
        raise ValueError("--accounts lists an account twice")
    anchor = start_of_utc_day(now) if now is None else now.astimezone(datetime.timezone.utc)
    services = seeder.client("support").describe_services()["services"]
    skip = set(skip_role)

    def one(account_id: str) -> dict[str, Any]:
        plan = plan_cases(seed, account_id, per_account, anchor, services)
        return seeder.seed_account(account_id, management_id, plan, None if account_id in skip else role_name)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        seeded = list(pool.map(one, accounts))
    return {
        "seed": seed,
        "anchor": iso_millis(anchor),
        "management_account_id": management_id,
        "role_name": role_name,
        # reader_role: the role created (or found) in the account, null where --skip-role left it out.
        "accounts": [{**entry, "reader_role": None if entry["account_id"] in skip else role_name}
                     for entry in seeded],
    }
