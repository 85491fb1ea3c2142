"""The boto3 baselines of `cargo xtask bench-cases`: read every account's AWS Support cases.

    python bench/cases_boto3.py --endpoint URL sequential
    python bench/cases_boto3.py --endpoint URL threads --workers 16

Per account it does what data "cima_cases" does: STS AssumeRole into
arn:aws:iam::<account>:role/<role> (the caller's own account keeps its own credentials), then
DescribeCases(includeResolvedCases, includeCommunications, maxResults=100) paged to the end in
us-east-1. `sequential` is the seed system's way, account after account; `threads` runs the
same per-account function in a thread pool.

First, timed apart as `list_seconds`: GetCallerIdentity and ListAccounts paged (ACTIVE accounts),
as the provider also learns its own account and lists the organization before reading cases.
Prints one JSON object: seconds (reading cases), list_seconds, accounts, cases, calls,
list_calls, errors. Credentials come from the environment (AWS_ACCESS_KEY_ID, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config

SUPPORT_REGION = "us-east-1"
# Page limits: a loop that keeps getting a NextToken stops here instead of spinning.
MAX_LIST_PAGES = 1000
MAX_CASE_PAGES = 1000


def list_accounts(session: boto3.session.Session, endpoint: str) -> tuple[str, list[str], int]:
    """The caller's account, the ACTIVE accounts of the organization, and the calls made."""
    own = session.client("sts", endpoint_url=endpoint).get_caller_identity()["Account"]
    org = session.client("organizations", endpoint_url=endpoint)
    accounts: list[str] = []
    calls = 1
    token = None
    for _ in range(MAX_LIST_PAGES):
        page = org.list_accounts(**({"NextToken": token} if token else {}))
        calls += 1
        accounts.extend(a["Id"] for a in page.get("Accounts", []) if a.get("Status") == "ACTIVE")
        token = page.get("NextToken")
        if not token:
            return own, accounts, calls
    raise RuntimeError(f"ListAccounts still paging after {MAX_LIST_PAGES} pages")


def read_account(session: boto3.session.Session, lock: threading.Lock, sts: Any, endpoint: str, account: str,
                 own: str, role: str) -> tuple[int, int]:
    """Cases read in one account and the calls it took."""
    calls = 0
    credentials: dict[str, str] = {}
    if account != own:
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}",
                            RoleSessionName="cima-bench")["Credentials"]
        calls += 1
        credentials = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
                       "aws_session_token": c["SessionToken"]}
    # Clients are thread-safe, creating them from one session is not; one session keeps the
    # service model loaded once instead of once per thread.
    with lock:
        support = session.client("support", region_name=SUPPORT_REGION, endpoint_url=endpoint, **credentials)
    cases = 0
    token = None
    for _ in range(MAX_CASE_PAGES):
        page = support.describe_cases(includeResolvedCases=True, includeCommunications=True, maxResults=100,
                                      **({"nextToken": token} if token else {}))
        calls += 1
        cases += len(page.get("cases", []))
        token = page.get("nextToken")
        if not token:
            return cases, calls
    raise RuntimeError(f"DescribeCases in {account} still paging after {MAX_CASE_PAGES} pages")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="AWS endpoint, e.g. the latency proxy's URL")
    parser.add_argument("--role-name", default="CimaCaseReaderRole")
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("sequential", help="one account after the other")
    threads = sub.add_parser("threads", help="accounts in a thread pool")
    threads.add_argument("--workers", type=int, default=16)
    args = parser.parse_args(argv)
    workers = args.workers if args.mode == "threads" else 1
    if workers < 1:
        parser.error("--workers must be at least 1")

    session = boto3.session.Session()
    started = time.monotonic()
    own, accounts, list_calls = list_accounts(session, args.endpoint)
    list_seconds = time.monotonic() - started

    errors: list[str] = []
    lock = threading.Lock()
    # One STS client for all accounts (and threads), with a connection for each worker.
    sts = session.client("sts", endpoint_url=args.endpoint, config=Config(max_pool_connections=max(workers, 10)))

    def work(account: str) -> tuple[int, int] | None:
        try:
            return read_account(session, lock, sts, args.endpoint, account, own, args.role_name)
        except Exception as err:  # one account's failure is counted, the others are still read
            errors.append(f"{account}: {err}")
            return None

    started = time.monotonic()
    if args.mode == "sequential":
        outcomes = [work(account) for account in accounts]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(work, accounts))
    results = [r for r in outcomes if r is not None]
    seconds = time.monotonic() - started

    json.dump({
        "mode": args.mode, "workers": workers, "seconds": seconds, "list_seconds": list_seconds,
        "accounts": len(accounts), "cases": sum(c for c, _ in results), "calls": sum(n for _, n in results),
        "list_calls": list_calls, "errors": errors,
    }, sys.stdout)
    sys.stdout.write("\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
