"""ext_config: evaluations a seed reports make Config's compliance answers, as AWS computes them."""

from __future__ import annotations

import unittest

from botocore.exceptions import ClientError

from _launcher import Server

ACCOUNT = "123456789012"


def rule(name: str) -> dict:
    return {"ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"},
            "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]}}


class Compliance(unittest.TestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.addCleanup(self.server.stop)
        self.config = self.server.client("config", "eu-west-1")
        for name in ("versioning", "encryption", "unused"):
            self.config.put_config_rule(ConfigRule=rule(name))

    def report(self, rule_name: str, *evaluations: tuple[str, str], region: str = "eu-west-1") -> tuple[int, dict]:
        return self.server.post("/_localaws/config/evaluations", {
            "account_id": ACCOUNT, "region": region, "rule": rule_name,
            "evaluations": [{"resource_type": "AWS::S3::Bucket", "resource_id": r, "compliance": c} for r, c in evaluations]})

    def test_rules_summarise_their_resources_and_details_list_them(self) -> None:
        self.assertEqual(self.report("versioning", ("logs", "NON_COMPLIANT"), ("web", "COMPLIANT"), ("data", "NON_COMPLIANT"))[0], 200)
        self.assertEqual(self.report("encryption", ("logs", "COMPLIANT"), ("web", "NOT_APPLICABLE"))[0], 200)
        # A later evaluation of a resource replaces the earlier one.
        self.report("versioning", ("web", "NON_COMPLIANT"))
        answer = self.config.describe_compliance_by_config_rule()["ComplianceByConfigRules"]
        by_rule = {r["ConfigRuleName"]: r["Compliance"] for r in answer}
        self.assertEqual(by_rule["versioning"], {"ComplianceType": "NON_COMPLIANT",
                                                 "ComplianceContributorCount": {"CappedCount": 3, "CapExceeded": False}})
        self.assertEqual(by_rule["encryption"], {"ComplianceType": "COMPLIANT"})
        self.assertEqual(by_rule["unused"], {"ComplianceType": "INSUFFICIENT_DATA"})
        only = self.config.describe_compliance_by_config_rule(ComplianceTypes=["NON_COMPLIANT"])["ComplianceByConfigRules"]
        self.assertEqual([r["ConfigRuleName"] for r in only], ["versioning"])

        details = self.config.get_compliance_details_by_config_rule(ConfigRuleName="versioning",
                                                                    ComplianceTypes=["NON_COMPLIANT"], Limit=2)
        first = [d["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for d in details["EvaluationResults"]]
        rest = self.config.get_compliance_details_by_config_rule(ConfigRuleName="versioning", ComplianceTypes=["NON_COMPLIANT"],
                                                                 Limit=2, NextToken=details["NextToken"])
        self.assertNotIn("NextToken", rest)
        second = [d["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for d in rest["EvaluationResults"]]
        self.assertEqual(first + second, ["data", "logs", "web"])
        self.assertEqual({d["ComplianceType"] for d in details["EvaluationResults"]}, {"NON_COMPLIANT"})
        # By default NOT_APPLICABLE is left out, as AWS does.
        default = self.config.get_compliance_details_by_config_rule(ConfigRuleName="encryption")["EvaluationResults"]
        self.assertEqual([d["ComplianceType"] for d in default], ["COMPLIANT"])
        # Another region holds its own rules and evaluations.
        other = self.server.client("config", "us-east-1")
        self.assertEqual(other.describe_compliance_by_config_rule()["ComplianceByConfigRules"], [])

    def test_bad_reports_and_unknown_rules_are_refused(self) -> None:
        for body, field in [({"evaluations": []}, "evaluations"),
                            ({"evaluations": [{"resource_type": "T", "resource_id": "r", "compliance": "BAD"}]}, "compliance"),
                            ({"account_id": "1"}, "account_id")]:
            status, answer = self.server.post("/_localaws/config/evaluations",
                                              {"account_id": ACCOUNT, "region": "eu-west-1", "rule": "versioning", **body})
            self.assertEqual(status, 400, body)
            self.assertIn(field, answer["error"])
        self.assertEqual(self.report("missing", ("x", "COMPLIANT"))[0], 404)
        with self.assertRaises(ClientError) as e:
            self.config.get_compliance_details_by_config_rule(ConfigRuleName="missing")
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchConfigRuleException")
        with self.assertRaises(ClientError):
            self.config.describe_compliance_by_config_rule(ConfigRuleNames=["missing"])


if __name__ == "__main__":
    unittest.main()
