"""PutEvents fault injection (ext_events), Lambda and Firehose targets (ext_targets)."""

from __future__ import annotations

import http.server
import json
import threading
import unittest
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from _launcher import Server

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})
RECEIVE_ROUNDS = 10


def admit(events: Any, bus: str, account: str) -> None:
    """A bus policy letting `account` put any event on `bus`: the local AWS, like AWS, refuses
    other accounts' events on a bus whose policy does not admit them."""
    arn = events.describe_event_bus(Name=bus)["Arn"]
    events.put_permission(EventBusName=bus, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Member", "Effect": "Allow", "Principal": {"AWS": account}, "Action": "events:PutEvents",
        "Resource": arn}]}))


def entry(n: int, source: str = "test.faults", bus: str | None = None) -> dict[str, Any]:
    e = {"Source": source, "DetailType": "t", "Detail": json.dumps({"n": n})}
    if bus:
        e["EventBusName"] = bus
    return e


class FunctionServer:
    """A stand-in for a Lambda runtime emulator's invoke API on 127.0.0.1: records each POST and
    answers with the status (and function error header) it is told to."""

    def __init__(self, status: int = 200, function_error: str | None = None) -> None:
        received: list[tuple[str, Any]] = []
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append((self.path, json.loads(body)))
                payload = b'{"ok": true}'
                self.send_response(status)
                if function_error:
                    self.send_header("X-Amz-Function-Error", function_error)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Base(unittest.TestCase):
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        try:
            cls.org = cls.server.seed(2, seed=11, invited=0)
        except BaseException:
            cls.server.stop()
            raise
        cls.management = cls.org["management_account_id"]
        cls.members = [a["id"] for a in cls.org["accounts"][1:]]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def tearDown(self) -> None:
        for scope in [None, *self.members, self.management]:
            body = {"failed_entries": 0, "throttled_calls": 0}
            if scope:
                body["account_id"] = scope
            self.server.post("/_localaws/events/faults", body)

    def deliveries(self, wait: float = 30) -> dict[str, Any]:
        status, answer = self.server.post("/_localaws/events/deliveries", {"wait": wait})
        self.assertEqual(status, 200)
        return answer

    def lambda_rule(self, rule: str, function: str, source: str) -> Any:
        events = self.server.client("events")
        events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))
        events.put_targets(Rule=rule, Targets=[{
            "Id": "fn", "Arn": f"arn:aws:lambda:us-east-1:{self.management}:function:{function}"}])
        return events

    def capture(self, name: str, pattern: dict[str, Any], bus: str | None = None,
                **creds: str) -> tuple[Any, str]:
        sqs = self.server.client("sqs", **creds)
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = self.server.client("events", **creds)
        extra = {"EventBusName": bus} if bus else {}
        events.put_rule(Name=name, EventPattern=json.dumps(pattern), **extra)
        events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}], **extra)
        return sqs, url

    def receive(self, sqs: Any, url: str, expected: int) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for _ in range(RECEIVE_ROUNDS):
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            for m in messages:
                events.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            if len(events) >= expected and not messages:
                break
        return events


class Faults(Base):
    def test_throttling_for_the_next_calls_then_normal(self) -> None:
        creds = self.server.assume(self.members[0])
        events = self.server.client("events", config=NO_RETRIES, **creds)
        status, state = self.server.post("/_localaws/events/faults",
                                         {"account_id": self.members[0], "throttled_calls": 2})
        self.assertEqual(status, 200)
        before = state["injected"]["throttled_calls"]
        for _ in range(2):
            with self.assertRaises(ClientError) as caught:
                events.put_events(Entries=[entry(1)])
            self.assertEqual(caught.exception.response["Error"]["Code"], "ThrottlingException")
            self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(events.put_events(Entries=[entry(1)])["FailedEntryCount"], 0)
        _, state = self.server.post("/_localaws/events/faults/status")
        self.assertEqual(state["injected"]["throttled_calls"] - before, 2)

    def test_failed_entries_are_reported_and_not_delivered(self) -> None:
        creds = self.server.assume(self.members[0])
        sqs, url = self.capture("faults-partial", {"source": ["test.faults"]}, **creds)
        events = self.server.client("events", **creds)
        self.server.post("/_localaws/events/faults", {"account_id": self.members[0], "failed_entries": 3})
        answer = events.put_events(Entries=[entry(n) for n in range(5)])
        self.assertEqual(answer["FailedEntryCount"], 3)
        self.assertEqual([e.get("ErrorCode") for e in answer["Entries"]],
                         ["InternalFailure"] * 3 + [None, None])
        self.assertTrue(all("EventId" in e for e in answer["Entries"][3:]))
        # The budget is spent: the next call goes through whole.
        self.assertEqual(events.put_events(Entries=[entry(5)])["FailedEntryCount"], 0)
        delivered = sorted(e["detail"]["n"] for e in self.receive(sqs, url, 3))
        self.assertEqual(delivered, [3, 4, 5])

    def test_faults_are_scoped_and_spare_internal_events(self) -> None:
        member, other = self.members
        self.server.post("/_localaws/events/faults", {"account_id": member, "failed_entries": 100,
                                                      "error_code": "ThrottlingException"})
        other_events = self.server.client("events", **self.server.assume(other))
        self.assertEqual(other_events.put_events(Entries=[entry(1)])["FailedEntryCount"], 0)
        creds = self.server.assume(member)
        answer = self.server.client("events", **creds).put_events(Entries=[entry(1)])
        self.assertEqual(answer["Entries"][0]["ErrorCode"], "ThrottlingException")
        # Support's own aws.support event is no API PutEvents: it still arrives.
        sqs, url = self.capture("faults-support", {"source": ["aws.support"]}, **creds)
        case_id = self.server.client("support", **creds).create_case(subject="s", communicationBody="b")["caseId"]
        received = self.receive(sqs, url, 1)
        self.assertEqual([e["detail"]["case-id"] for e in received], [case_id])

    def test_bad_fault_requests_are_refused(self) -> None:
        for body in ({"failed_entries": -1}, {"throttled_calls": "2"}, {"account_id": "12"},
                     {"failed_entries": 10**9}, {"error_code": ""}):
            status, answer = self.server.post("/_localaws/events/faults", body)
            self.assertEqual(status, 400, body)
            self.assertIn("error", answer)

    def test_reset_clears_faults(self) -> None:
        # A separate server: resetting the shared one would drop the class's organization.
        server = Server()
        try:
            server.post("/_localaws/events/faults", {"failed_entries": 4, "throttled_calls": 1})
            server.post("/moto-api/reset")
            _, state = server.post("/_localaws/events/faults/status")
            self.assertEqual(state, {"faults": [], "injected": {"failed_entries": 0, "throttled_calls": 0}})
        finally:
            server.stop()


class Targets(Base):
    def test_lambda_target_is_invoked_over_http(self) -> None:
        fn = FunctionServer()
        try:
            status, _ = self.server.post("/_localaws/events/lambda",
                                         {"function_name": "enricher", "url": fn.url, "timeout": 10})
            self.assertEqual(status, 200)
            events = self.lambda_rule("to-enricher", "enricher", "test.lambda")
            answer = events.put_events(Entries=[entry(1, "test.lambda"), entry(2, "test.lambda")])
            self.assertEqual(answer["FailedEntryCount"], 0)
            state = self.deliveries()
            self.assertEqual(state["pending"], 0)
            self.assertEqual(state["lambda"]["enricher"]["delivered"], 2)
            self.assertEqual([p for p, _ in fn.received], ["/2015-03-31/functions/enricher/invocations"] * 2)
            bodies = [b for _, b in fn.received]
            self.assertEqual([b["detail"]["n"] for b in bodies], [1, 2])
            self.assertEqual({b["account"] for b in bodies}, {self.management})
            self.assertRegex(bodies[0]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        finally:
            fn.stop()

    def test_forwarded_support_events_reach_the_function_with_the_members_account(self) -> None:
        # The enricher's path: member default bus -> central bus -> rule -> Lambda target; the
        # function assumes a role in the event's `account`, so it must stay the member's.
        member = self.members[1]
        fn = FunctionServer()
        try:
            self.server.post("/_localaws/events/lambda", {"function_name": "case-enricher", "url": fn.url})
            central = self.server.client("events")
            central.create_event_bus(Name="cima-enrich")
            admit(central, "cima-enrich", member)
            central.put_rule(Name="enrich", EventBusName="cima-enrich", EventPattern=json.dumps(
                {"source": ["aws.support"], "detail-type": ["Support Case Update"]}))
            central.put_targets(Rule="enrich", EventBusName="cima-enrich", Targets=[{
                "Id": "fn", "Arn": f"arn:aws:lambda:us-east-1:{self.management}:function:case-enricher"}])
            creds = self.server.assume(member)
            member_events = self.server.client("events", **creds)
            member_events.put_rule(Name="forward-support", EventPattern=json.dumps({"source": ["aws.support"]}))
            member_events.put_targets(Rule="forward-support", Targets=[{
                "Id": "central", "Arn": f"arn:aws:events:us-east-1:{self.management}:event-bus/cima-enrich"}])
            case_id = self.server.client("support", **creds).create_case(
                subject="s", communicationBody="b")["caseId"]
            self.assertEqual(self.deliveries()["lambda"]["case-enricher"]["delivered"], 1)
            [(_, event)] = fn.received
            self.assertEqual((event["account"], event["source"], event["detail-type"]),
                             (member, "aws.support", "Support Case Update"))
            self.assertEqual(event["detail"]["case-id"], case_id)
        finally:
            fn.stop()

    def test_failed_and_unregistered_invocations_are_counted_not_raised(self) -> None:
        broken = FunctionServer(status=500)
        erroring = FunctionServer(function_error="Unhandled")
        try:
            self.server.post("/_localaws/events/lambda", {"function_name": "broken", "url": broken.url,
                                                          "attempts": 2, "timeout": 5})
            self.server.post("/_localaws/events/lambda", {"function_name": "erroring", "url": erroring.url})
            for rule, fn in (("to-broken", "broken"), ("to-erroring", "erroring"), ("to-nobody", "nobody")):
                self.lambda_rule(rule, fn, "test.failing")
            answer = self.server.client("events").put_events(Entries=[entry(1, "test.failing")])
            self.assertEqual(answer["FailedEntryCount"], 0)
            state = self.deliveries()["lambda"]
            self.assertEqual((state["broken"]["delivered"], state["broken"]["failed"]), (0, 1))
            self.assertIn("HTTP 500", state["broken"]["last_error"])
            self.assertEqual(len(broken.received), 2, "two attempts, then no more")
            self.assertIn("function error Unhandled", state["erroring"]["last_error"])
            self.assertEqual(state["nobody"]["failed"], 1)
            self.assertIn("no invoke URL registered", state["nobody"]["last_error"])
        finally:
            broken.stop()
            erroring.stop()

    def test_only_loopback_urls_are_accepted(self) -> None:
        for body in ({"function_name": "f", "url": "http://10.0.0.1:9000"},
                     {"function_name": "f", "url": "https://127.0.0.1:9000"},
                     {"function_name": "bad name", "url": "http://127.0.0.1:9000"},
                     {"function_name": "f", "url": "http://127.0.0.1:9000", "timeout": 10_000},
                     {"function_name": "f", "url": "http://127.0.0.1:9000", "attempts": 9}):
            status, _ = self.server.post("/_localaws/events/lambda", body)
            self.assertEqual(status, 400, body)

    def test_firehose_target_lands_forwarded_events_in_s3(self) -> None:
        member = self.members[0]
        s3 = self.server.client("s3")
        s3.create_bucket(Bucket="cima-store")
        self.server.client("firehose").create_delivery_stream(
            DeliveryStreamName="cima-store",
            ExtendedS3DestinationConfiguration={
                "RoleARN": f"arn:aws:iam::{self.management}:role/firehose",
                "BucketARN": "arn:aws:s3:::cima-store",
                "Prefix": "DataCollection-data/heidi.support/",
                "ProcessingConfiguration": {"Enabled": True, "Processors": [
                    {"Type": "AppendDelimiterToRecord", "Parameters": []}]},
            })
        central = self.server.client("events")
        central.create_event_bus(Name="cima-central")
        admit(central, "cima-central", member)
        central.put_rule(Name="store", EventBusName="cima-central",
                         EventPattern=json.dumps({"source": [{"prefix": "heidi."}]}))
        central.put_targets(Rule="store", EventBusName="cima-central", Targets=[{
            "Id": "fh", "Arn": f"arn:aws:firehose:us-east-1:{self.management}:deliverystream/cima-store"}])
        member_events = self.server.client("events", **self.server.assume(member))
        member_events.put_rule(Name="forward", EventPattern=json.dumps({"source": ["heidi.support"]}))
        member_events.put_targets(Rule="forward", Targets=[{
            "Id": "central", "Arn": f"arn:aws:events:us-east-1:{self.management}:event-bus/cima-central",
            "RoleArn": f"arn:aws:iam::{member}:role/forward"}])

        answer = member_events.put_events(Entries=[entry(7, "heidi.support")])
        self.assertEqual(answer["FailedEntryCount"], 0)

        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="cima-store").get("Contents", [])]
        self.assertEqual(len(keys), 1, keys)
        self.assertTrue(keys[0].startswith("DataCollection-data/heidi.support/"), keys)
        body = s3.get_object(Bucket="cima-store", Key=keys[0])["Body"].read().decode()
        self.assertTrue(body.endswith("\n"))
        record = json.loads(body)
        self.assertEqual((record["source"], record["account"], record["detail"]), ("heidi.support", member, {"n": 7}))
        self.assertEqual(self.deliveries(0)["firehose"]["delivered"], 1)


if __name__ == "__main__":
    unittest.main()


class DeadLetters(Base):
    """What a target or a function could not take ends in its dead-letter queue (deadletter)."""

    def queue(self, name: str, **creds: str) -> tuple[Any, str, str]:
        sqs = self.server.client("sqs", **creds)
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return sqs, url, arn

    def dead_letters(self, sqs: Any, url: str) -> list[dict[str, Any]]:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        return [{"body": json.loads(m["Body"]),
                 "attributes": {k: v["StringValue"] for k, v in (m.get("MessageAttributes") or {}).items()}}
                for m in answer.get("Messages", [])]

    def test_undeliverable_targets_end_in_their_queue_with_aws_attributes(self) -> None:
        sqs, url, dlq = self.queue("targets-dlq")
        events = self.server.client("events")
        events.put_rule(Name="undeliverable", EventPattern=json.dumps({"source": ["test.dlq"]}))
        account = self.management
        targets = {
            "fn": f"arn:aws:lambda:us-east-1:{account}:function:nobody-listens",
            "fh": f"arn:aws:firehose:us-east-1:{account}:deliverystream/no-such-stream",
            "bus": f"arn:aws:events:us-east-1:{account}:event-bus/no-such-bus",
        }
        events.put_targets(Rule="undeliverable", Targets=[
            {"Id": i, "Arn": arn, "DeadLetterConfig": {"Arn": dlq},
             "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}}
            for i, arn in targets.items()])
        sent = self.deliveries(0)["dead_letters"]["sent"]
        answer = events.put_events(Entries=[entry(5, "test.dlq")])
        self.assertEqual(answer["FailedEntryCount"], 0, "a target's failure never fails the sender")
        self.assertEqual(self.deliveries()["pending"], 0)
        letters = self.dead_letters(sqs, url)
        by_target = {m["attributes"]["TARGET_ARN"]: m for m in letters}
        self.assertEqual(set(by_target), set(targets.values()), letters)
        rule_arn = events.describe_rule(Name="undeliverable")["Arn"]
        for arn, letter in by_target.items():
            self.assertEqual(letter["attributes"]["RULE_ARN"], rule_arn)
            self.assertTrue(letter["attributes"]["ERROR_CODE"], letter)
            self.assertEqual(letter["body"]["detail"], {"n": 5}, arn)
            self.assertEqual(letter["body"]["source"], "test.dlq", arn)
        self.assertEqual(by_target[targets["fn"]]["attributes"]["ERROR_CODE"], "ResourceNotFoundException")
        self.assertEqual(self.deliveries(0)["dead_letters"]["sent"], sent + 3)

    def test_a_failing_function_ends_in_the_functions_queue_not_the_targets(self) -> None:
        sqs, function_url, function_dlq = self.queue("function-dlq")
        _, target_url, target_dlq = self.queue("target-dlq")
        role = self.server.client("iam").create_role(RoleName="failing-enricher", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))
        lam = self.server.client("lambda")
        lam.create_function(
            FunctionName="failing-enricher", Runtime="provided.al2023", Handler="bootstrap",
            Role=role["Role"]["Arn"], Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
            DeadLetterConfig={"TargetArn": function_dlq})
        config = lam.get_function_configuration(FunctionName="failing-enricher")
        self.assertEqual(config["DeadLetterConfig"], {"TargetArn": function_dlq})
        failing = FunctionServer(function_error="Unhandled")
        try:
            self.server.post("/_localaws/events/lambda", {"function_name": "failing-enricher", "url": failing.url,
                                                          "attempts": 3})
            events = self.server.client("events")
            events.put_rule(Name="to-failing", EventPattern=json.dumps({"source": ["test.failing-fn"]}))
            events.put_targets(Rule="to-failing", Targets=[{
                "Id": "fn", "Arn": config["FunctionArn"], "DeadLetterConfig": {"Arn": target_dlq}}])
            events.put_events(Entries=[entry(9, "test.failing-fn")])
            self.assertEqual(self.deliveries()["lambda"]["failing-enricher"]["failed"], 1)
            self.assertEqual(len(failing.received), 3, "the registered attempts, then the queue")
            [letter] = self.dead_letters(sqs, function_url)
            self.assertEqual(letter["body"]["detail"], {"n": 9})
            self.assertIn("Unhandled", letter["attributes"]["ErrorMessage"])
            self.assertEqual(set(letter["attributes"]), {"RequestID", "ErrorCode", "ErrorMessage"})
            self.assertEqual(self.dead_letters(sqs, target_url), [], "the target itself was delivered")
            lam.update_function_configuration(FunctionName="failing-enricher", DeadLetterConfig={"TargetArn": ""})
            self.assertNotIn("DeadLetterConfig", lam.get_function_configuration(FunctionName="failing-enricher"))
        finally:
            failing.stop()

    def test_without_a_queue_the_failure_is_only_counted(self) -> None:
        before = self.deliveries(0)["dead_letters"]
        events = self.lambda_rule("no-dlq", "unregistered", "test.no-dlq")
        events.put_events(Entries=[entry(1, "test.no-dlq")])
        state = self.deliveries()
        self.assertEqual(state["lambda"]["unregistered"]["failed"], 1)
        self.assertEqual(state["dead_letters"], before)
