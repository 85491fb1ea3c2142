"""ext_cloudformation: a seed gives a stack a failed operation's status or a drift detection's
result, DescribeStacks answers with it, and what AWS never answers is refused."""

from __future__ import annotations

import json
import unittest

from _launcher import Server

TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
ACCOUNT = "123456789012"


class StackOutcome(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        cls.addClassCleanup(cls.server.stop)
        cls.cfn = cls.server.client("cloudformation", "eu-west-1")

    def stack(self, name: str) -> dict:
        return self.cfn.describe_stacks(StackName=name)["Stacks"][0]

    def test_a_failed_and_drifted_stack_reads_as_aws_gives_it(self) -> None:
        self.cfn.create_stack(StackName="web", TemplateBody=TEMPLATE)
        self.assertEqual(self.stack("web")["StackStatus"], "CREATE_COMPLETE")
        self.assertNotIn("DriftInformation", self.stack("web"))
        status, body = self.server.post("/_localaws/cloudformation/stack-outcome", {
            "account_id": ACCOUNT, "region": "eu-west-1", "stack_name": "web", "status": "ROLLBACK_COMPLETE",
            "status_reason": "The following resource(s) failed to create: [Topic].", "drift": "DRIFTED"})
        self.assertEqual(status, 200, body)
        stack = self.stack("web")
        self.assertEqual((stack["StackStatus"], stack["StackStatusReason"]),
                         ("ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Topic]."))
        self.assertEqual(stack["DriftInformation"]["StackDriftStatus"], "DRIFTED")
        self.assertIn("LastCheckTimestamp", stack["DriftInformation"])
        self.assertEqual(body["stack_id"], stack["StackId"])
        # Drift alone leaves the status as it was.
        status, _ = self.server.post("/_localaws/cloudformation/stack-outcome", {
            "account_id": ACCOUNT, "region": "eu-west-1", "stack_name": "web", "drift": "IN_SYNC"})
        self.assertEqual(status, 200)
        self.assertEqual((self.stack("web")["StackStatus"], self.stack("web")["DriftInformation"]["StackDriftStatus"]),
                         ("ROLLBACK_COMPLETE", "IN_SYNC"))

    def test_what_aws_never_answers_is_refused(self) -> None:
        self.cfn.create_stack(StackName="db", TemplateBody=TEMPLATE)
        base = {"account_id": ACCOUNT, "region": "eu-west-1", "stack_name": "db"}
        for change, field in [({"status": "BROKEN"}, "status"), ({"drift": "drifted"}, "drift"),
                              ({"account_id": "12"}, "account_id"), ({"status_reason": 3}, "status_reason")]:
            status, body = self.server.post("/_localaws/cloudformation/stack-outcome", {**base, **change})
            self.assertEqual(status, 400, change)
            self.assertIn(field, body["error"])
        status, body = self.server.post("/_localaws/cloudformation/stack-outcome", {**base, "stack_name": "none"})
        self.assertEqual(status, 404, body)
        # Another region holds no such stack either.
        status, _ = self.server.post("/_localaws/cloudformation/stack-outcome", {**base, "region": "us-east-1"})
        self.assertEqual(status, 404)
        self.assertEqual(self.stack("db")["StackStatus"], "CREATE_COMPLETE")


if __name__ == "__main__":
    unittest.main()
