"""The seed's chat orchestrator, re-created as the baseline of `cargo xtask bench-lambdas`.

    python bench/chat_boto3.py --endpoint URL [--role-name ChatSystemReadOnlyRole]

For the question "how many running EC2 instances" it does what the seed's orchestrator does, one
account after the other: list the organization's ACTIVE accounts, then per account STS AssumeRole
into arn:aws:iam::<account>:role/<role> (the caller's own account keeps its own credentials) and
DescribeInstances(state=running) paged to the end in us-east-1. Prints one JSON object: seconds
(the whole question, listing included), accounts, instances, calls, errors. Credentials come from
the environment.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import boto3

REGION = "us-east-1"
# A loop that keeps getting a token stops here instead of spinning.
MAX_PAGES = 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="AWS endpoint, e.g. the latency proxy's URL")
    parser.add_argument("--role-name", default="ChatSystemReadOnlyRole")
    args = parser.parse_args(argv)

    session = boto3.session.Session(region_name=REGION)
    started = time.monotonic()
    sts = session.client("sts", endpoint_url=args.endpoint)
    own = sts.get_caller_identity()["Account"]
    org = session.client("organizations", endpoint_url=args.endpoint)
    accounts: list[str] = []
    calls = 2
    token = None
    for _ in range(MAX_PAGES):
        page = org.list_accounts(**({"NextToken": token} if token else {}))
        calls += 1
        accounts.extend(a["Id"] for a in page.get("Accounts", []) if a.get("Status") == "ACTIVE")
        token = page.get("NextToken")
        if not token:
            break

    instances = 0
    errors: list[str] = []
    for account in accounts:
        try:
            credentials: dict[str, str] = {}
            if account != own:
                c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{args.role_name}",
                                    RoleSessionName="chat-orchestrator")["Credentials"]
                calls += 1
                credentials = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
                               "aws_session_token": c["SessionToken"]}
            ec2 = session.client("ec2", endpoint_url=args.endpoint, **credentials)
            token = None
            for _ in range(MAX_PAGES):
                page = ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]}],
                                              **({"NextToken": token} if token else {}))
                calls += 1
                instances += sum(len(r.get("Instances", [])) for r in page.get("Reservations", []))
                token = page.get("NextToken")
                if not token:
                    break
        except Exception as err:  # the seed's orchestrator also went on with the other accounts
            errors.append(f"{account}: {err}")

    json.dump({"seconds": time.monotonic() - started, "accounts": len(accounts), "instances": instances,
               "calls": calls, "errors": errors}, sys.stdout)
    sys.stdout.write("\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
