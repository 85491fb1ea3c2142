"""Builds a reproducible AWS organization on a localaws server and prints its ground truth.

    python -m localaws.seed org --endpoint URL --accounts N --seed S [--suspended K] [--invited J]
    python -m localaws.seed cases --endpoint URL --seed S --per-account N [...] (see seed_cases.py)
    python -m localaws.seed capture|drain ... (an SQS queue catching a bus's events; see capture.py)
    python -m localaws.seed put-objects --endpoint URL --bucket B --dir D [--prefix P]

Everything is derived from the seed: account names, e-mails, placement, tags, which accounts
are SUSPENDED (closed through CloseAccount) or INVITED, and when each joined. moto's own
random generator is seeded too, so after a reset the same seed also gives the same IDs.

The truth (one JSON document on stdout) is read back from the API after seeding, so it is
what the server answers, not what this script meant to create.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import random
import sys
import urllib.parse
import urllib.request
from typing import Any, Callable, Iterator

import boto3

REGION = "us-east-1"
ACCESS_KEY = "testing"
HTTP_TIMEOUT = 30

# Fixed OU tree, two levels under the root; (path, tags).
OU_TREE: tuple[tuple[str, dict[str, str]], ...] = (
    ("/Security", {}),
    ("/Production", {"env": "prod"}),
    ("/Production/Web", {}),
    ("/Production/Data", {}),
    ("/NonProduction", {"env": "nonprod"}),
    ("/NonProduction/Dev", {}),
    ("/NonProduction/Test", {}),
    ("/SharedServices", {}),
)

_ADJECTIVES = ("amber", "brisk", "cobalt", "dusky", "ember", "frost", "granite", "hazel",
               "ivory", "jade", "kelp", "lunar", "maple", "nimbus", "onyx", "pine")
_NOUNS = ("falcon", "harbor", "lantern", "meadow", "orchid", "quarry", "ridge", "summit",
          "tundra", "valley", "willow", "canyon", "delta", "forge", "glacier", "island")
_TAG_VALUES = {
    "env": ("prod", "staging", "dev", "test", "sandbox"),
    "team": ("platform", "payments", "identity", "data", "web", "security"),
    "cost-center": ("cc-1001", "cc-1002", "cc-2040", "cc-3300", "cc-4711"),
}
# Joined times start here and only move forward, one account after another.
_EPOCH = datetime.datetime(2019, 1, 7, 9, 30, tzinfo=datetime.timezone.utc)

# Upper bound on pages for any one listing: a server that keeps handing out tokens fails loudly.
MAX_PAGES = 1000


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=ACCESS_KEY,
    )


def _post(endpoint: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + path, data=data, method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        text = response.read().decode() or "{}"
    try:
        return json.loads(text)
    except ValueError:
        return text


def pages(call: Callable[..., dict[str, Any]], key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of a NextToken-paged listing; bounded, and fails on a repeated token."""
    token = None
    seen_tokens: set[str] = set()
    for _ in range(MAX_PAGES):
        response = call(**kwargs, **({"NextToken": token} if token else {}))
        yield from response.get(key, [])
        token = response.get("NextToken")
        if not token:
            return
        if token in seen_tokens:
            raise RuntimeError(f"{key}: the server repeated NextToken {token!r}")
        seen_tokens.add(token)
    raise RuntimeError(f"{key}: still paging after {MAX_PAGES} pages")


def rfc3339(value: datetime.datetime) -> str:
    utc = value.astimezone(datetime.timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def plan_accounts(seed: int, count: int, suspended: int, invited: int) -> list[dict[str, Any]]:
    """The member accounts to create, derived from the seed alone (no API calls)."""
    rng = random.Random(seed)
    parents = ["/"] + [path for path, _ in OU_TREE]
    joined = _EPOCH
    # Gaps shrink with the count so every joined time stays within five years of the epoch.
    max_gap_hours = max(2, 5 * 365 * 24 // max(count, 1))
    planned = []
    for index in range(count):
        name = f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{index:03d}"
        tags = {}
        if rng.random() < 0.7:
            for key in sorted(rng.sample(sorted(_TAG_VALUES), rng.randint(1, len(_TAG_VALUES)))):
                tags[key] = rng.choice(_TAG_VALUES[key])
        joined += datetime.timedelta(hours=rng.randint(1, max_gap_hours - 1), seconds=rng.randint(1, 3599))
        planned.append({
            "name": name,
            "email": f"aws+{name}@seed{seed}.example.com",
            "ou_path": rng.choice(parents),
            "tags": tags,
            "joined": joined,
            "suspended": False,
            "invited": False,
        })
    for index in rng.sample(range(count), suspended):
        planned[index]["suspended"] = True
    for index in rng.sample(range(count), invited):
        planned[index]["invited"] = True
    return planned


def seed_org(endpoint: str, count: int, seed: int, suspended: int, invited: int) -> dict[str, Any]:
    if not 0 <= suspended <= count or not 0 <= invited <= count:
        raise ValueError("--suspended and --invited must each be between 0 and --accounts")
    planned = plan_accounts(seed, count, suspended, invited)
    # moto's IDs come from its own generator; seeding it makes IDs repeat after a reset.
    _post(endpoint, "/moto-api/seed?" + urllib.parse.urlencode({"a": seed}))

    org = _client("organizations", endpoint)
    try:
        organization = org.create_organization(FeatureSet="ALL")["Organization"]
    except org.exceptions.AlreadyInOrganizationException:
        raise SystemExit("seed: an organization already exists; POST /moto-api/reset first") from None
    root_id = org.list_roots()["Roots"][0]["Id"]
    _post(endpoint, "/_localaws/organizations/account", {
        "account_id": organization["MasterAccountId"],
        "joined_timestamp": rfc3339(_EPOCH - datetime.timedelta(days=30)),
    })

    ou_ids = {"/": root_id}
    for path, tags in OU_TREE:
        parent_path, _, name = path.rpartition("/")
        created = org.create_organizational_unit(
            ParentId=ou_ids[parent_path or "/"], Name=name,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        ou_ids[path] = created["OrganizationalUnit"]["Id"]

    for account in planned:
        status = org.create_account(
            AccountName=account["name"], Email=account["email"],
            Tags=[{"Key": k, "Value": v} for k, v in account["tags"].items()],
        )["CreateAccountStatus"]
        account_id = status["AccountId"]
        if account["ou_path"] != "/":
            org.move_account(AccountId=account_id, SourceParentId=root_id,
                             DestinationParentId=ou_ids[account["ou_path"]])
        if account["suspended"]:
            org.close_account(AccountId=account_id)
        patch: dict[str, Any] = {"account_id": account_id, "joined_timestamp": rfc3339(account["joined"])}
        if account["invited"]:
            patch["joined_method"] = "INVITED"
        _post(endpoint, "/_localaws/organizations/account", patch)

    return read_truth(endpoint, seed)


def read_truth(endpoint: str, seed: int | None = None) -> dict[str, Any]:
    """The organization as the API reports it, in a stable order."""
    org = _client("organizations", endpoint)
    organization = org.describe_organization()["Organization"]
    root_id = org.list_roots()["Roots"][0]["Id"]

    def tags_of(resource_id: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in pages(org.list_tags_for_resource, "Tags", ResourceId=resource_id)}

    ous: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    # Breadth-first over the tree; each parent's path is known before its children.
    queue = [(root_id, "/")]
    for parent_id, parent_path in queue:
        for account in pages(org.list_accounts_for_parent, "Accounts", ParentId=parent_id):
            accounts.append({
                "id": account["Id"],
                "arn": account["Arn"],
                "name": account["Name"],
                "email": account["Email"],
                "status": account["Status"],
                "state": account.get("State"),
                "joined_method": account["JoinedMethod"],
                "joined_timestamp": rfc3339(account["JoinedTimestamp"]),
                "parent_id": parent_id,
                "ou_path": parent_path,
                "tags": tags_of(account["Id"]),
            })
        for ou in pages(org.list_organizational_units_for_parent, "OrganizationalUnits", ParentId=parent_id):
            path = parent_path.rstrip("/") + "/" + ou["Name"]
            ous.append({"id": ou["Id"], "arn": ou["Arn"], "name": ou["Name"], "parent_id": parent_id,
                        "path": path, "tags": tags_of(ou["Id"])})
            queue.append((ou["Id"], path))

    management_id = organization["MasterAccountId"]
    ous.sort(key=lambda o: o["path"])
    # Management account first, then members in the order they joined.
    accounts.sort(key=lambda a: (a["id"] != management_id, a["joined_timestamp"], a["id"]))
    return {
        "seed": seed,
        "organization_id": organization["Id"],
        "organization_arn": organization["Arn"],
        "feature_set": organization["FeatureSet"],
        "management_account_id": management_id,
        "management_account_email": organization["MasterAccountEmail"],
        "root_id": root_id,
        "ous": ous,
        "accounts": accounts,
    }


def _account_list(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    for account_id in ids:
        if not (len(account_id) == 12 and account_id.isdigit()):
            raise argparse.ArgumentTypeError(f"not a 12-digit account ID: {account_id!r}")
    return ids


def _utc_time(text: str) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give a UTC offset or 'Z'")
    return value


def put_objects(s3: Any, bucket: str, directory: str, prefix: str = "") -> dict[str, Any]:
    """Every regular file under `directory` as the object `prefix` + its relative path (with `/`),
    in sorted order; one client, so a bulk load pays for one interpreter start, not one per object."""
    root = pathlib.Path(directory)
    if not root.is_dir():
        raise SystemExit(f"put-objects: {directory} is not a directory")
    count, size = 0, 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        body = path.read_bytes()
        s3.put_object(Bucket=bucket, Key=prefix + path.relative_to(root).as_posix(), Body=body)
        count, size = count + 1, size + len(body)
    return {"bucket": bucket, "objects": count, "bytes": size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localaws.seed")
    commands = parser.add_subparsers(dest="command", required=True)
    org = commands.add_parser("org", help="create a seeded organization and print its truth as JSON")
    org.add_argument("--endpoint", required=True, help="localaws URL, e.g. http://127.0.0.1:PORT")
    org.add_argument("--accounts", type=int, required=True, help="number of member accounts")
    org.add_argument("--seed", type=int, required=True)
    org.add_argument("--suspended", type=int, default=0, help="member accounts to close (SUSPENDED)")
    org.add_argument("--invited", type=int, default=None,
                     help="member accounts shown as INVITED (default: a fifth of them)")
    cases = commands.add_parser("cases", help="create seeded Support cases and print their truth as JSON")
    cases.add_argument("--endpoint", required=True)
    cases.add_argument("--seed", type=int, required=True)
    cases.add_argument("--per-account", type=int, required=True, help="cases per account")
    cases.add_argument("--accounts", type=_account_list, default=None,
                       help="comma-separated account IDs (default: management + every ACTIVE member)")
    cases.add_argument("--role-name", default="CimaCaseReaderRole", help="reader role created in each account")
    cases.add_argument("--skip-role", type=_account_list, default=[],
                       help="comma-separated account IDs that get no reader role")
    cases.add_argument("--now", type=_utc_time, default=None,
                       help="anchor of the 400-day window, ISO-8601 (default: start of the UTC day)")
    truth = commands.add_parser("truth", help="print the truth of the existing organization")
    truth.add_argument("--endpoint", required=True)
    # Changes made "out of band", the way a person in the console would, for drift tests.
    bucket = commands.add_parser("bucket", help="create an S3 bucket in the management account")
    bucket.add_argument("--endpoint", required=True)
    bucket.add_argument("--name", required=True)
    put = commands.add_parser("put-object", help="write an S3 object")
    put.add_argument("--endpoint", required=True)
    put.add_argument("--bucket", required=True)
    put.add_argument("--key", required=True)
    put.add_argument("--body", required=True)
    get = commands.add_parser("get-object", help="read an S3 object (null when absent)")
    get.add_argument("--endpoint", required=True)
    get.add_argument("--bucket", required=True)
    get.add_argument("--key", required=True)
    bulk = commands.add_parser("put-objects", help="write every file under a directory as an S3 object, "
                                                    "its path below the directory as the key (one process)")
    bulk.add_argument("--endpoint", required=True)
    bulk.add_argument("--bucket", required=True)
    bulk.add_argument("--dir", required=True)
    bulk.add_argument("--prefix", default="", help="put before every key")
    objects = commands.add_parser("get-objects", help="read every S3 object under a prefix, as {key: body}")
    objects.add_argument("--endpoint", required=True)
    objects.add_argument("--bucket", required=True)
    objects.add_argument("--prefix", default="")
    call = commands.add_parser("call", help="one boto3 call (out-of-band changes), e.g. --service events --op delete_rule")
    call.add_argument("--endpoint", required=True)
    call.add_argument("--service", required=True)
    call.add_argument("--op", required=True, help="boto3 method name, e.g. remove_targets")
    call.add_argument("--params", default="{}", help="keyword arguments as a JSON object")
    call.add_argument("--account", help="make the call in this member account (through OrganizationAccountAccessRole)")
    call.add_argument("--region", default=REGION)
    cap = commands.add_parser("capture", help="an SQS queue receiving a bus's events that match a pattern")
    cap.add_argument("--endpoint", required=True)
    cap.add_argument("--name", required=True, help="name of the queue and of the rule")
    cap.add_argument("--pattern", required=True, help="EventBridge event pattern (JSON)")
    cap.add_argument("--account", help="member account (through OrganizationAccountAccessRole)")
    cap.add_argument("--bus", help="event bus name (default: the default bus)")
    drain = commands.add_parser("drain", help="receive and delete a queue's messages, printed as events")
    drain.add_argument("--endpoint", required=True)
    drain.add_argument("--queue-url", required=True)
    drain.add_argument("--expected", type=int, required=True, help="stop once this many are in")
    drain.add_argument("--account", help="member account (through OrganizationAccountAccessRole)")
    drain.add_argument("--rounds", type=int, default=3, help="empty receives in a row that end the drain")
    move = commands.add_parser("move-account", help="move an account to another parent")
    move.add_argument("--endpoint", required=True)
    move.add_argument("--account", required=True)
    move.add_argument("--to", required=True)
    args = parser.parse_args(argv)

    if args.command == "cases":
        from localaws.seed_cases import seed_cases

        result = seed_cases(args.endpoint, lambda path, body: _post(args.endpoint, path, body),
                            args.seed, args.per_account, args.accounts, args.role_name, args.skip_role, args.now)
    elif args.command == "org":
        invited = args.accounts // 5 if args.invited is None else args.invited
        result = seed_org(args.endpoint, args.accounts, args.seed, args.suspended, invited)
    elif args.command == "bucket":
        _client("s3", args.endpoint).create_bucket(Bucket=args.name)
        result = {"bucket": args.name}
    elif args.command == "put-object":
        _client("s3", args.endpoint).put_object(Bucket=args.bucket, Key=args.key, Body=args.body.encode())
        result = {"bucket": args.bucket, "key": args.key}
    elif args.command == "get-object":
        s3 = _client("s3", args.endpoint)
        try:
            obj = s3.get_object(Bucket=args.bucket, Key=args.key)
            result = {"body": obj["Body"].read().decode(), "metadata": obj.get("Metadata", {}),
                      "content_type": obj.get("ContentType")}
        except s3.exceptions.NoSuchKey:
            result = None
    elif args.command == "put-objects":
        result = put_objects(_client("s3", args.endpoint), args.bucket, args.dir, args.prefix)
    elif args.command == "get-objects":
        s3 = _client("s3", args.endpoint)
        listing = s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket, Prefix=args.prefix,
                                                               PaginationConfig={"MaxItems": 100_000})
        keys = [o["Key"] for page in listing for o in page.get("Contents", [])]
        result = {k: s3.get_object(Bucket=args.bucket, Key=k)["Body"].read().decode() for k in keys}
    elif args.command == "call":
        client = _client(args.service, args.endpoint)
        if args.account:
            creds = _client("sts", args.endpoint).assume_role(
                RoleArn=f"arn:aws:iam::{args.account}:role/OrganizationAccountAccessRole",
                RoleSessionName="localaws-tool")["Credentials"]
            client = boto3.client(args.service, endpoint_url=args.endpoint, region_name=args.region,
                                  aws_access_key_id=creds["AccessKeyId"],
                                  aws_secret_access_key=creds["SecretAccessKey"],
                                  aws_session_token=creds["SessionToken"])
        try:
            answer = getattr(client, args.op)(**json.loads(args.params))
        except client.exceptions.ClientError as e:
            # Errors are answers too (e.g. NoSuchEntity after a destroy).
            answer = {"Error": e.response.get("Error", {})}
        answer.pop("ResponseMetadata", None)
        # Datetimes and other non-JSON values are printed as strings.
        result = json.loads(json.dumps(answer, default=str))
    elif args.command == "capture":
        from localaws.capture import capture

        result = capture(args.endpoint, args.name, args.pattern, args.account, args.bus)
    elif args.command == "drain":
        from localaws.capture import drain

        result = drain(args.endpoint, args.queue_url, args.expected, args.account, args.rounds)
    elif args.command == "move-account":
        orgs = _client("organizations", args.endpoint)
        parent = orgs.list_parents(ChildId=args.account)["Parents"][0]["Id"]
        orgs.move_account(AccountId=args.account, SourceParentId=parent, DestinationParentId=args.to)
        result = {"account": args.account, "from": parent, "to": args.to}
    else:
        result = read_truth(args.endpoint)
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
