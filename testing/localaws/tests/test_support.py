"""The Support extension against a live localaws server, through boto3 (JSON 1.1)."""

from __future__ import annotations

import datetime
import json
import re
import unittest
import urllib.error
import urllib.request
from typing import Any

import botocore.config
from botocore.exceptions import ClientError

from _launcher import Server

CASE_ID = re.compile(r"^case-(\d{12})-[0-9a-f]{4}-(\d{4})-[0-9a-f]{16}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# No client-side checks, so the server's own validation is what is tested; no retries.
RAW = botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1})
MAX_PAGES = 20


def error_code(err: ClientError) -> str:
    return err.response["Error"]["Code"]


def pages(call: Any, key: str, **kwargs: Any) -> list[list[Any]]:
    """Every page of a nextToken listing; fails instead of looping."""
    result, token = [], kwargs.pop("nextToken", None)
    for _ in range(MAX_PAGES):
        response = call(**kwargs, **({"nextToken": token} if token else {}))
        result.append(response[key])
        token = response.get("nextToken")
        if not token:
            return result
    raise AssertionError(f"{key}: still paging after {MAX_PAGES} pages")


def clocked(client: Any, at: str) -> Any:
    """The client, with every Support call made at `at` (ext_support's X-Localaws-Time)."""
    client.meta.events.register("before-sign.support.*",
                                lambda request, **_: request.headers.__setitem__("X-Localaws-Time", at))
    return client


class SupportApi(unittest.TestCase):
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        try:
            cls.org = cls.server.seed(7, seed=21, invited=0)
        except BaseException:
            cls.server.stop()
            raise
        cls.members = [a["id"] for a in cls.org["accounts"][1:]]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def support(self, account: str | None = None, region: str = "us-east-1", at: str | None = None) -> Any:
        credentials = self.server.assume(account) if account else {}
        client = self.server.client("support", region=region, config=RAW, **credentials)
        return clocked(client, at) if at else client

    def create(self, client: Any, **fields: Any) -> str:
        base = {"subject": "Disk full", "communicationBody": "Please help", "severityCode": "normal",
                "serviceCode": "amazon-elastic-compute-cloud-linux", "categoryCode": "instance-issue"}
        return client.create_case(**{**base, **fields})["caseId"]

    def test_create_case_fields(self) -> None:
        support = self.support()
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
        first = self.create(support, ccEmailAddresses=["ops@example.com"], language="ja", severityCode="urgent")
        second = self.create(support, subject="Second")
        cases = {c["caseId"]: c for c in support.describe_cases(caseIdList=[first, second])["cases"]}
        case = cases[first]
        self.assertRegex(case["caseId"], CASE_ID)
        self.assertEqual(CASE_ID.match(case["caseId"])[1], "123456789012")
        self.assertTrue(case["displayId"].isdigit())
        self.assertGreater(int(cases[second]["displayId"]), int(case["displayId"]))
        self.assertEqual(case["subject"], "Disk full")
        self.assertEqual(case["status"], "opened")
        self.assertEqual((case["serviceCode"], case["categoryCode"], case["severityCode"]),
                         ("amazon-elastic-compute-cloud-linux", "instance-issue", "urgent"))
        # The management account's root: its e-mail in Organizations.
        self.assertEqual(case["submittedBy"], self.org["management_account_email"])
        self.assertRegex(case["timeCreated"], TIME)
        created = datetime.datetime.fromisoformat(case["timeCreated"].replace("Z", "+00:00"))
        self.assertLess(before, created)
        self.assertEqual(CASE_ID.match(case["caseId"])[2], str(created.year))
        self.assertEqual(case["ccEmailAddresses"], ["ops@example.com"])
        self.assertEqual(case["language"], "ja")
        recent = case["recentCommunications"]
        self.assertNotIn("nextToken", recent)
        self.assertEqual(recent["communications"], [{
            "caseId": first, "body": "Please help", "submittedBy": case["submittedBy"],
            "timeCreated": case["timeCreated"], "attachmentSet": []}])

    def test_submitted_by_assumed_role_session(self) -> None:
        member = self.members[5]
        support = self.server.client("support", config=RAW, **self.server.assume(member, session="alice"))
        case_id = self.create(support)
        case = support.describe_cases(caseIdList=[case_id])["cases"][0]
        self.assertEqual(case["submittedBy"], f"alice@{member}")
        self.assertEqual(CASE_ID.match(case_id)[1], member)

    def test_describe_cases_is_stable(self) -> None:
        support = self.support(self.members[0])
        for severity in ("low", "normal", "high", "urgent", "critical"):
            self.create(support, severityCode=severity)
        first = support.describe_cases(includeResolvedCases=True)["cases"]
        for _ in range(3):
            self.assertEqual(support.describe_cases(includeResolvedCases=True)["cases"], first)
        self.assertEqual({c["status"] for c in first}, {"opened"})
        self.assertEqual([c["severityCode"] for c in first], ["critical", "urgent", "high", "normal", "low"])

    def test_paging_visits_every_case_once(self) -> None:
        support = self.support(self.members[1])
        created = {self.create(support, subject=f"case {i}") for i in range(35)}
        result = pages(support.describe_cases, "cases", maxResults=10, includeCommunications=False)
        self.assertEqual([len(p) for p in result], [10, 10, 10, 5])
        ids = [c["caseId"] for page in result for c in page]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), created)
        # Newest first, as AWS lists them.
        shown = [int(c["displayId"]) for page in result for c in page]
        self.assertEqual(shown, sorted(shown, reverse=True))
        # A case created between two pages neither repeats nor shifts the rest.
        first = support.describe_cases(maxResults=10, includeCommunications=False)
        newcomer = self.create(support, subject="late")
        rest = pages(support.describe_cases, "cases", maxResults=10, includeCommunications=False,
                     nextToken=first["nextToken"])
        later = [c["caseId"] for page in rest for c in page]
        self.assertNotIn(newcomer, later)
        self.assertEqual(sorted(later + [c["caseId"] for c in first["cases"]]), sorted(created))

    def test_bad_tokens_and_page_sizes(self) -> None:
        support = self.support(self.members[6])
        for _ in range(11):
            self.create(support)
        token = support.describe_cases(maxResults=10)["nextToken"]
        for bad in ({"nextToken": "garbage!"}, {"nextToken": "eyJxIjoxfQ"},
                    {"nextToken": token, "includeResolvedCases": True},
                    {"nextToken": token, "afterTime": "2020-01-01T00:00:00Z"},
                    {"maxResults": 9}, {"maxResults": 101}, {"afterTime": "yesterday"}):
            with self.subTest(params=bad), self.assertRaises(ClientError) as err:
                support.describe_cases(**bad)
            self.assertEqual(error_code(err.exception), "ValidationException")
        # A token of another account's identical query is refused too.
        with self.assertRaises(ClientError) as err:
            self.support(self.members[5]).describe_cases(maxResults=10, nextToken=token)
        self.assertEqual(error_code(err.exception), "ValidationException")

    def test_filters(self) -> None:
        member = self.members[2]
        times = ["2024-01-10T08:00:00.000Z", "2024-03-01T12:30:00.250Z", "2024-06-01T00:00:00.000Z",
                 "2024-09-15T17:45:10.999Z"]
        ids = [self.create(self.support(member, at=t), subject=f"at {t}") for t in times]
        support = self.support(member)
        by_id = {c["caseId"]: c for c in support.describe_cases()["cases"]}
        self.assertEqual([by_id[i]["timeCreated"] for i in ids], times)

        def shown(**params: Any) -> list[str]:
            return [c["caseId"] for p in pages(support.describe_cases, "cases", **params) for c in p]

        # afterTime inclusive, beforeTime exclusive; without a zone, UTC.
        self.assertEqual(shown(afterTime="2024-03-01T12:30:00.250Z"), ids[:0:-1])
        self.assertEqual(shown(beforeTime="2024-06-01T00:00:00Z"), ids[1::-1])
        self.assertEqual(shown(afterTime="2024-02-01", beforeTime="2024-07-01T00:00:00+00:00"), [ids[2], ids[1]])
        self.assertEqual(shown(displayId=by_id[ids[1]]["displayId"]), [ids[1]])
        self.assertEqual(shown(caseIdList=[ids[3], ids[0]]), [ids[3], ids[0]])
        self.assertEqual(shown(caseIdList=[ids[0]], afterTime="2024-02-01"), [])
        # Resolved cases hide unless asked for, also from caseIdList.
        support.resolve_case(caseId=ids[2])
        self.assertEqual(shown(), [ids[3], ids[1], ids[0]])
        self.assertEqual(shown(caseIdList=[ids[2]]), [])
        self.assertEqual(shown(includeResolvedCases=True), ids[::-1])
        # Communications are included unless switched off.
        self.assertIn("recentCommunications", support.describe_cases(caseIdList=[ids[0]])["cases"][0])
        plain = support.describe_cases(caseIdList=[ids[0]], includeCommunications=False)["cases"][0]
        self.assertNotIn("recentCommunications", plain)

    def test_case_id_not_found(self) -> None:
        support = self.support()
        known = self.create(support)
        with self.assertRaises(ClientError) as err:
            support.describe_cases(caseIdList=[known, "case-123456789012-abcd-2024-0123456789abcdef"])
        self.assertEqual(error_code(err.exception), "CaseIdNotFound")
        self.assertEqual(err.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        for call, params in ((support.resolve_case, {"caseId": "case-x"}),
                             (support.describe_communications, {"caseId": "case-x"}),
                             (support.add_communication_to_case, {"caseId": "case-x", "communicationBody": "hi"})):
            with self.subTest(call=call.__name__), self.assertRaises(ClientError) as err:
                call(**params)
            self.assertEqual(error_code(err.exception), "CaseIdNotFound")
        # The wire format itself: JSON with __type and message.
        request = urllib.request.Request(
            self.server.endpoint + "/", method="POST",
            data=json.dumps({"caseIdList": ["case-missing"]}).encode(),
            headers={"X-Amz-Target": "AWSSupport_20130415.DescribeCases",
                     "Content-Type": "application/x-amz-json-1.1",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/support/aws4_request, "
                                      "SignedHeaders=host, Signature=0"})
        with self.assertRaises(urllib.error.HTTPError) as http:
            urllib.request.urlopen(request, timeout=30)
        self.assertEqual(http.exception.code, 400)
        body = json.loads(http.exception.read())
        self.assertEqual(body["__type"], "CaseIdNotFound")
        self.assertIn("case-missing", body["message"])

    def test_resolve_and_reopen(self) -> None:
        support = self.support(self.members[3])
        case_id = self.create(support)
        self.assertEqual({k: v for k, v in support.resolve_case(caseId=case_id).items() if k != "ResponseMetadata"},
                         {"initialCaseStatus": "opened", "finalCaseStatus": "resolved"})
        self.assertEqual(support.describe_cases()["cases"], [])
        resolved = support.describe_cases(includeResolvedCases=True)["cases"]
        self.assertEqual([(c["caseId"], c["status"]) for c in resolved], [(case_id, "resolved")])
        self.assertEqual(support.resolve_case(caseId=case_id)["initialCaseStatus"], "resolved")
        # A customer reply reopens it.
        self.assertTrue(support.add_communication_to_case(caseId=case_id, communicationBody="back")["result"])
        self.assertEqual(support.describe_cases()["cases"][0]["status"], "reopened")

    def test_communications(self) -> None:
        member = self.members[4]
        case_id = self.create(self.support(member, at="2024-01-01T00:00:00.000Z"))
        for day in range(1, 25):
            self.support(member, at=f"2024-01-{day + 1:02d}T10:00:00.000Z").add_communication_to_case(
                caseId=case_id, communicationBody=f"update {day}", ccEmailAddresses=["a@example.com"])
        status, answer = self.server.post("/_localaws/support/communication", {
            "account_id": member, "case_id": case_id, "body": "from AWS", "time_created": "2024-01-26T09:00:00Z"})
        self.assertEqual(status, 200, answer)
        support = self.support(member)
        result = pages(support.describe_communications, "communications", caseId=case_id, maxResults=10)
        self.assertEqual([len(p) for p in result], [10, 10, 6])
        flat = [c for p in result for c in p]
        stamps = [c["timeCreated"] for c in flat]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual(len(set(stamps)), 26)
        self.assertEqual((flat[0]["body"], flat[0]["submittedBy"]), ("from AWS", "Amazon Web Services"))
        self.assertEqual(flat[-1]["body"], "Please help")
        self.assertEqual(set(flat[1].keys()), {"caseId", "body", "submittedBy", "timeCreated", "attachmentSet"})
        window = pages(support.describe_communications, "communications", caseId=case_id,
                       afterTime="2024-01-05T10:00:00Z", beforeTime="2024-01-08T10:00:00Z")
        self.assertEqual([c["body"] for p in window for c in p], ["update 6", "update 5", "update 4"])
        # DescribeCases shows the last five and a token DescribeCommunications continues from.
        recent = support.describe_cases(caseIdList=[case_id])["cases"][0]["recentCommunications"]
        self.assertEqual([c["timeCreated"] for c in recent["communications"]], stamps[:5])
        rest = pages(support.describe_communications, "communications", caseId=case_id, maxResults=10,
                     nextToken=recent["nextToken"])
        self.assertEqual([c["timeCreated"] for p in rest for c in p], stamps[5:])
        self.assertEqual(support.describe_cases(caseIdList=[case_id])["cases"][0]["status"], "pending-customer-action")
        with self.assertRaises(ClientError) as err:
            support.describe_communications(caseId=case_id, maxResults=5)
        self.assertEqual(error_code(err.exception), "ValidationException")

    def test_severity_levels(self) -> None:
        levels = self.support().describe_severity_levels()["severityLevels"]
        self.assertEqual([(level["code"], level["name"]) for level in levels], [
            ("low", "General guidance"), ("normal", "System impaired"), ("high", "Production system impaired"),
            ("urgent", "Production system down"), ("critical", "Business-critical system down")])

    def test_services(self) -> None:
        support = self.support()
        services = {s["code"]: s for s in support.describe_services()["services"]}
        for code in ("amazon-elastic-compute-cloud-linux", "amazon-simple-storage-service",
                     "aws-identity-and-access-management", "amazon-relational-database-service",
                     "aws-lambda", "general-info"):
            with self.subTest(service=code):
                self.assertTrue(services[code]["name"])
                self.assertTrue(all(c["code"] and c["name"] for c in services[code]["categories"]))
        only = support.describe_services(serviceCodeList=["aws-lambda"])["services"]
        self.assertEqual([s["code"] for s in only], ["aws-lambda"])

    def test_create_case_validation(self) -> None:
        support = self.support()
        for bad in ({"severityCode": "sev1"}, {"serviceCode": "no-such-service"},
                    {"serviceCode": "aws-lambda", "categoryCode": "instance-issue"}, {"subject": ""},
                    {"language": "xx"}):
            with self.subTest(fields=bad), self.assertRaises(ClientError) as err:
                self.create(support, **bad)
            self.assertEqual(error_code(err.exception), "ValidationException")
        with self.assertRaises(ClientError) as err:
            self.create(support, attachmentSetId="as-1")
        self.assertEqual(error_code(err.exception), "AttachmentSetIdNotFound")

    def test_control_endpoints(self) -> None:
        support = self.support()
        case_id = self.create(support)
        status, answer = self.server.post("/_localaws/support/case", {
            "account_id": "123456789012", "case_id": case_id, "status": "work-in-progress", "severity_code": "high"})
        self.assertEqual(status, 200, answer)
        shown = support.describe_cases(caseIdList=[case_id])["cases"][0]
        self.assertEqual((shown["status"], shown["severityCode"]), ("work-in-progress", "high"))
        for path, body, expected in (
                ("case", {"account_id": "123456789012", "case_id": case_id, "status": "closed"}, 400),
                ("case", {"account_id": "123456789012", "case_id": "case-nope"}, 404),
                ("case", {"account_id": "000000000000", "case_id": case_id}, 404),
                ("case", {"case_id": case_id}, 400),
                ("communication", {"account_id": "123456789012", "case_id": case_id, "body": ""}, 400),
                ("communication", {"account_id": "123456789012", "case_id": case_id, "body": "x",
                                   "time_created": "soon"}, 400)):
            with self.subTest(path=path, body=body):
                self.assertEqual(self.server.post(f"/_localaws/support/{path}", body)[0], expected)

    def test_only_us_east_1(self) -> None:
        with self.assertRaises(ClientError) as err:
            self.support(region="eu-west-1").describe_cases()
        self.assertEqual(error_code(err.exception), "EndpointNotFound")


if __name__ == "__main__":
    unittest.main()
