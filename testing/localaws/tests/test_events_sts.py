"""aws.support events through moto's EventBridge, cross-account forwarding, and AssumeRole checks."""

from __future__ import annotations

import json
import time
import unittest
from xml.etree import ElementTree
from typing import Any

from botocore.exceptions import ClientError

from _launcher import Server

RECEIVE_ROUNDS = 10


def org_policy(bus_arn: str, org_id: str) -> dict[str, Any]:
    """A bus policy as cima_case_pipeline writes it: the organization, two sources only."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "CimaOrganizationPutEvents", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
        "Resource": bus_arn, "Condition": {"StringEquals": {
            "aws:PrincipalOrgID": [org_id], "events:source": ["aws.support", "cima.backfill"]}}}]}


def support_pattern() -> str:
    return json.dumps({"source": ["aws.support"], "detail-type": ["Support Case Update"]})


class Events(unittest.TestCase):
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        try:
            cls.org = cls.server.seed(3, seed=5, invited=0)
        except BaseException:
            cls.server.stop()
            raise
        cls.management = cls.org["management_account_id"]
        cls.org_id = cls.org["organization_id"]
        cls.members = [a["id"] for a in cls.org["accounts"][1:]]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def queue(self, name: str, **credentials: str) -> tuple[Any, str, str]:
        """(sqs client, queue URL, queue ARN) of a new queue in the credentials' account."""
        sqs = self.server.client("sqs", **credentials)
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return sqs, url, arn

    def receive(self, sqs: Any, url: str, expected: int) -> list[dict[str, Any]]:
        """Up to `expected` messages as parsed events; bounded number of rounds."""
        events: list[dict[str, Any]] = []
        for _ in range(RECEIVE_ROUNDS):
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                events.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if len(events) >= expected:
                break
            time.sleep(0.05)
        return events

    def test_support_events_on_default_bus(self) -> None:
        member = self.members[0]
        creds = self.server.assume(member)
        sqs, url, arn = self.queue("support-events", **creds)
        events = self.server.client("events", **creds)
        events.put_rule(Name="support", EventPattern=support_pattern())
        events.put_targets(Rule="support", Targets=[{"Id": "q", "Arn": arn}])

        support = self.server.client("support", **creds)
        case_id = support.create_case(subject="s", communicationBody="b")["caseId"]
        display_id = support.describe_cases(caseIdList=[case_id])["cases"][0]["displayId"]
        support.add_communication_to_case(caseId=case_id, communicationBody="more")
        status, _ = self.server.post("/_localaws/support/communication",
                                     {"account_id": member, "case_id": case_id, "body": "from AWS"})
        self.assertEqual(status, 200)
        support.resolve_case(caseId=case_id)
        support.add_communication_to_case(caseId=case_id, communicationBody="again")

        received = self.receive(sqs, url, 5)
        self.assertEqual(
            [(e["detail"]["event-name"], e["detail"]["origin"]) for e in received],
            [("CreateCase", "CUSTOMER"), ("AddCommunicationToCase", "CUSTOMER"), ("AddCommunicationToCase", "AWS"),
             ("ResolveCase", "CUSTOMER"), ("ReopenCase", "CUSTOMER")])
        for event in received:
            self.assertEqual((event["source"], event["detail-type"]), ("aws.support", "Support Case Update"))
            self.assertEqual((event["account"], event["region"]), (member, "us-east-1"))
            self.assertEqual(event["detail"]["case-id"], case_id)
            self.assertEqual(event["detail"]["display-id"], display_id)
        communication_ids = [e["detail"]["communication-id"] for e in received]
        self.assertEqual(communication_ids[3], "")
        self.assertTrue(all(communication_ids[i] for i in (0, 1, 2, 4)))
        self.assertEqual(len(set(communication_ids)), 5)
        # Nothing in the management account's default bus came from the member's cases.
        self.assertEqual(self.receive(sqs, url, 1), [])

    def test_put_events_keep_account_on_delivery(self) -> None:
        sqs, url, arn = self.queue("plain")
        events = self.server.client("events")
        events.put_rule(Name="plain", EventPattern=json.dumps({"source": ["test.plain"]}))
        events.put_targets(Rule="plain", Targets=[{"Id": "q", "Arn": arn}])
        events.put_events(Entries=[{"Source": "test.plain", "DetailType": "t", "Detail": "{}"}])
        (event,) = self.receive(sqs, url, 1)
        self.assertEqual(event["account"], self.management)

    def test_cross_account_forwarding_keeps_sender(self) -> None:
        member = self.members[1]
        central = self.server.client("events")
        bus_arn = central.create_event_bus(Name="cima-central")["EventBusArn"]
        sqs, url, arn = self.queue("central")
        central.put_rule(Name="enrich", EventBusName="cima-central", EventPattern=support_pattern())
        central.put_targets(Rule="enrich", EventBusName="cima-central", Targets=[{"Id": "q", "Arn": arn}])

        central.put_permission(EventBusName="cima-central", Policy=json.dumps(org_policy(bus_arn, self.org_id)))

        creds = self.server.assume(member)
        linked = self.server.client("events", **creds)
        linked.put_rule(Name="forward", EventPattern=json.dumps({"source": ["aws.support", "heidi.support"]}))
        linked.put_targets(Rule="forward", Targets=[{
            "Id": "central", "Arn": bus_arn,
            "RoleArn": f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"}])
        # A rule forwarding to a bus that does not exist must not break the sender.
        linked.put_rule(Name="dangling", EventPattern=support_pattern())
        linked.put_targets(Rule="dangling", Targets=[{
            "Id": "gone", "Arn": f"arn:aws:events:us-east-1:{self.management}:event-bus/no-such-bus"}])

        support = self.server.client("support", **creds)
        case_id = support.create_case(subject="s", communicationBody="b")["caseId"]
        display_id = support.describe_cases(caseIdList=[case_id])["cases"][0]["displayId"]
        (event,) = self.receive(sqs, url, 1)
        self.assertEqual(event["account"], member)
        self.assertEqual(event["region"], "us-east-1")
        self.assertEqual((event["source"], event["detail-type"]), ("aws.support", "Support Case Update"))
        self.assertEqual(event["detail"]["case-id"], case_id)
        self.assertEqual(event["detail"]["display-id"], display_id)
        self.assertEqual(event["detail"]["event-name"], "CreateCase")
        self.assertEqual(event["detail"]["origin"], "CUSTOMER")
        self.assertEqual(set(event["detail"]), {"case-id", "display-id", "communication-id", "event-name", "origin"})

        # An event the linked account puts on its own bus with another source is forwarded by the
        # rule but refused by the central bus's policy (events:source): it never arrives.
        central.put_rule(Name="store", EventBusName="cima-central", EventPattern=json.dumps({"source": ["heidi.support"]}))
        central.put_targets(Rule="store", EventBusName="cima-central", Targets=[{"Id": "q", "Arn": arn}])
        linked.put_events(Entries=[{"Source": "heidi.support", "DetailType": "heidi.support",
                                    "Detail": json.dumps({"caseId": case_id})}])
        self.assertEqual(self.receive(sqs, url, 1), [])

    def test_bus_policy_decides_what_other_accounts_put(self) -> None:
        member = self.members[2]
        central = self.server.client("events")
        bus_arn = central.create_event_bus(Name="policed")["EventBusArn"]
        sqs, url, arn = self.queue("policed")
        central.put_rule(Name="all", EventBusName="policed", EventPattern=json.dumps({"account": [member]}))
        central.put_targets(Rule="all", EventBusName="policed", Targets=[{"Id": "q", "Arn": arn}])

        def put(creds: dict[str, str], source: str) -> dict[str, Any]:
            events = self.server.client("events", **creds)
            answer = events.put_events(Entries=[{"Source": source, "DetailType": "Request", "EventBusName": bus_arn,
                                                 "Detail": json.dumps({"source": source})}])
            return answer["Entries"][0]

        creds = self.server.assume(member)
        # No policy: no other account may put, whatever it sends.
        refused = put(creds, "cima.backfill")
        self.assertEqual(refused["ErrorCode"], "AccessDeniedException")
        self.assertIn(f"arn:aws:iam::{member}:root is not authorized to perform: events:PutEvents", refused["ErrorMessage"])

        # Another organization's policy: not this member's.
        central.put_permission(EventBusName="policed", Policy=json.dumps(org_policy(bus_arn, "o-zzzzzzzzzz")))
        self.assertEqual(put(creds, "cima.backfill")["ErrorCode"], "AccessDeniedException")
        central.put_permission(EventBusName="policed", Policy=json.dumps(org_policy(bus_arn, self.org_id)))
        admitted = put(creds, "cima.backfill")
        self.assertIn("EventId", admitted)
        self.assertEqual(put(creds, "heidi.support")["ErrorCode"], "AccessDeniedException")
        (event,) = self.receive(sqs, url, 1)
        # The sender's account, as EventBridge stamps it: a member cannot speak for another.
        self.assertEqual((event["account"], event["source"]), (member, "cima.backfill"))
        self.assertEqual(self.receive(sqs, url, 1), [])

        # A bus that does not exist is the entry's error, not the call's.
        gone = self.server.client("events", **creds).put_events(
            Entries=[{"Source": "cima.backfill", "DetailType": "Request", "Detail": "{}",
                      "EventBusName": bus_arn.replace("policed", "no-such-bus")}])["Entries"][0]
        self.assertEqual(gone["ErrorCode"], "ResourceNotFoundException")


class AssumeRole(unittest.TestCase):
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        try:
            cls.org = cls.server.seed(2, seed=8, invited=0)
        except BaseException:
            cls.server.stop()
            raise
        cls.members = [a["id"] for a in cls.org["accounts"][1:]]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def test_missing_role_is_access_denied(self) -> None:
        sts = self.server.client("sts")
        role = f"arn:aws:iam::{self.members[0]}:role/CimaCaseReaderRole"
        with self.assertRaises(ClientError) as err:
            sts.assume_role(RoleArn=role, RoleSessionName="reader")
        response = err.exception.response
        self.assertEqual(response["Error"]["Code"], "AccessDenied")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertRegex(response["Error"]["Message"],
                         r"^User: arn:aws:(iam|sts)::123456789012:\S+ is not authorized to perform: "
                         r"sts:AssumeRole on resource: " + role + "$")
        # An account nobody ever used has no roles at all.
        with self.assertRaises(ClientError):
            sts.assume_role(RoleArn="arn:aws:iam::999999999999:role/Any", RoleSessionName="x1")

    def test_refusal_body_is_the_one_sts_sends(self) -> None:
        # The AWS SDK for Rust reads code and message only from ErrorResponse/Error.
        sts = self.server.client("sts")
        answers: list[Any] = []
        sts.meta.events.register("after-call.sts.AssumeRole", lambda http_response, **_: answers.append(http_response))
        role = f"arn:aws:iam::{self.members[1]}:role/Absent"
        with self.assertRaises(ClientError):
            sts.assume_role(RoleArn=role, RoleSessionName="reader")
        root = ElementTree.fromstring(answers[0].content)
        ns = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
        self.assertEqual(root.tag, "{https://sts.amazonaws.com/doc/2011-06-15/}ErrorResponse")
        self.assertEqual(root.findtext("sts:Error/sts:Type", namespaces=ns), "Sender")
        self.assertEqual(root.findtext("sts:Error/sts:Code", namespaces=ns), "AccessDenied")
        self.assertTrue(root.findtext("sts:Error/sts:Message", namespaces=ns).endswith(
            f"is not authorized to perform: sts:AssumeRole on resource: {role}"))
        self.assertEqual(root.findtext("sts:RequestId", namespaces=ns), answers[0].headers["x-amzn-requestid"])

    def test_organization_access_role_exists_and_works(self) -> None:
        member = self.members[0]
        creds = self.server.assume(member)
        self.assertEqual(self.server.client("sts", **creds).get_caller_identity()["Account"], member)
        role = self.server.client("iam", **creds).get_role(RoleName="OrganizationAccountAccessRole")["Role"]
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        self.assertEqual(trust["Statement"][0]["Principal"]["AWS"],
                         f"arn:aws:iam::{self.org['management_account_id']}:root")

    def test_role_created_later_can_be_assumed_only_where_it_exists(self) -> None:
        first, second = self.members
        iam = self.server.client("iam", **self.server.assume(first))
        iam.create_role(RoleName="Reader", Path="/cima/", AssumeRolePolicyDocument="{}")
        reader = self.server.assume(first, role="cima/Reader", session="reader")
        identity = self.server.client("sts", **reader).get_caller_identity()
        self.assertEqual(identity["Account"], first)
        self.assertIn(":assumed-role/Reader/reader", identity["Arn"])
        with self.assertRaises(ClientError) as err:
            self.server.assume(second, role="cima/Reader")
        self.assertEqual(err.exception.response["Error"]["Code"], "AccessDenied")
        # Assumed-role callers are named as such in the refusal.
        with self.assertRaises(ClientError) as err:
            self.server.client("sts", **reader).assume_role(
                RoleArn=f"arn:aws:iam::{second}:role/Nope", RoleSessionName="hop")
        self.assertIn(f"assumed-role/Reader/reader is not authorized", err.exception.response["Error"]["Message"])


class AccessKeyAccount(unittest.TestCase):
    """The constant-time account lookup answers as stock moto's scan of every account does."""

    def test_same_answer_as_the_scan(self) -> None:
        from moto.iam import models as iam_models

        from localaws import ext_sts

        ext_sts.install()
        accounts = [f"{n:012d}" for n in (111111111111, 222222222223, 999999999998)]
        keys = []
        for account in accounts:
            iam = iam_models.iam_backends[account]["aws"]
            iam.create_user("us-east-1", "someone", path="/", tags=[])
            keys.append((account, iam.create_access_key("someone").access_key_id))
            keys.append((account, iam.create_temp_access_key().access_key_id))
        gone_account, gone = keys.pop()
        iam_models.iam_backends[gone_account]["aws"].delete_access_key_by_name(gone)
        for account, key in keys:
            self.assertEqual(ext_sts.encoded_account(key), account)
            self.assertEqual(ext_sts.account_of_access_key(key), account)
            self.assertEqual(ext_sts.stock_account_of_access_key(key), account)
        # A key moto never issued, one that was deleted, one that names an account that holds no
        # such key, and text that is no key id at all: the default account, as the scan says.
        forged = keys[0][1][:13] + "A" * 7
        for key in ("testing", gone, forged, "", "ASIA!!!!!!!!!!!!!!!!"):
            self.assertEqual(ext_sts.account_of_access_key(key), ext_sts.stock_account_of_access_key(key), key)
            self.assertEqual(ext_sts.account_of_access_key(key), "123456789012", key)


if __name__ == "__main__":
    unittest.main()
