"""Captures events from an EventBridge bus into an SQS queue and drains it, for tests.

    python -m localaws.seed capture --endpoint URL --name N --pattern JSON [--account A] [--bus B]
    python -m localaws.seed drain --endpoint URL --queue-url U --expected N [--account A] [--rounds R]

`capture` creates queue N and a rule N on bus B (default: the default bus) of account A (default:
the management account; members through OrganizationAccountAccessRole) whose target is the
queue, and prints {"queue_url", "queue_arn", "rule_arn"}. `drain` receives and deletes messages
until it holds `expected` of them or `rounds` receive calls came back empty in a row, and prints
{"events": [...]} (each message body parsed as JSON), so a test can also see that no more came.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

REGION = "us-east-1"
ACCESS_KEY = "testing"
MEMBER_ROLE = "OrganizationAccountAccessRole"
# Receive calls per drain at most, so a lost event fails the test instead of hanging it.
MAX_CALLS = 1000


def client(service: str, endpoint: str, account: str | None) -> Any:
    keys = {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": ACCESS_KEY}
    if account:
        sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, **keys)
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{MEMBER_ROLE}",
                                RoleSessionName="localaws-capture")["Credentials"]
        keys = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"]}
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **keys)


def capture(endpoint: str, name: str, pattern: str, account: str | None, bus: str | None) -> dict[str, Any]:
    json.loads(pattern)  # fail here, not in moto, on a malformed pattern
    sqs = client("sqs", endpoint, account)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = client("events", endpoint, account)
    bus_args = {"EventBusName": bus} if bus else {}
    rule_arn = events.put_rule(Name=name, EventPattern=pattern, **bus_args)["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "capture", "Arn": arn}], **bus_args)
    return {"queue_url": url, "queue_arn": arn, "rule_arn": rule_arn}


def drain(endpoint: str, queue_url: str, expected: int, account: str | None, rounds: int) -> dict[str, Any]:
    sqs = client("sqs", endpoint, account)
    events: list[Any] = []
    empty = 0
    for _ in range(MAX_CALLS):
        if len(events) >= expected or empty >= rounds:
            break
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            events.append(json.loads(message["Body"]))
        if messages:
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    return {"events": events}
