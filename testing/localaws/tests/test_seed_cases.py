"""`python -m localaws.seed cases`: shape, agreement with the API, roles, scale, reproducibility."""

from __future__ import annotations

import collections
import datetime
import time
import unittest
from typing import Any

from botocore.exceptions import ClientError

from _launcher import Server

NOW = "2026-03-15T00:00:00Z"
CASE_FIELDS = {"account_id", "case_id", "display_id", "subject", "status", "service_code", "category_code",
               "severity_code", "submitted_by", "time_created", "cc_email_addresses", "language", "communications"}
STATUSES = {"opened", "pending-customer-action", "reopened", "resolved", "unassigned", "work-in-progress"}


def parse(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class SeedCases(unittest.TestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.addCleanup(self.server.stop)

    def seed(self, seed: int, *extra: str) -> tuple[dict[str, Any], dict[str, Any]]:
        org = self.server.seed(5, seed=31, suspended=1, invited=0)
        return org, self.server.seed_cases(seed, 6, "--now", NOW, *extra)

    def test_truth_shape_and_api_agree(self) -> None:
        org = self.server.seed(5, seed=31, suspended=1, invited=0)
        expected = [a["id"] for a in org["accounts"] if a["status"] == "ACTIVE"]
        skipped = expected[2]
        truth = self.server.seed_cases(4, 6, "--now", NOW, "--skip-role", skipped)

        self.assertEqual([a["account_id"] for a in truth["accounts"]], expected)
        self.assertEqual(truth["anchor"], "2026-03-15T00:00:00.000Z")
        anchor = parse(NOW)
        cases = [c for a in truth["accounts"] for c in a["cases"]]
        self.assertEqual(len(cases), 6 * len(expected))
        for account in truth["accounts"]:
            displays = [int(c["display_id"]) for c in account["cases"]]
            self.assertEqual(displays, sorted(set(displays)))
            self.assertTrue(all(c["account_id"] == account["account_id"] for c in account["cases"]))
        for case in cases:
            self.assertEqual(set(case), CASE_FIELDS)
            created = parse(case["time_created"])
            self.assertTrue(anchor - datetime.timedelta(days=400) <= created < anchor, case["time_created"])
            self.assertTrue(case["case_id"].startswith(f"case-{case['account_id']}-"))
            times = [c["time_created"] for c in case["communications"]]
            self.assertEqual(times, sorted(times))
            self.assertEqual(times[0], case["time_created"])
            self.assertTrue(all(parse(t) < anchor for t in times))
            self.assertEqual(case["communications"][0]["origin"], "CUSTOMER")
        self.assertEqual({c["status"] for c in cases}, STATUSES)
        self.assertGreater(len({c["severity_code"] for c in cases}), 2)
        self.assertGreater(len({c["service_code"] for c in cases}), 2)
        origins = collections.Counter(m["origin"] for c in cases for m in c["communications"])
        self.assertGreater(origins["AWS"], 0)
        self.assertGreater(origins["CUSTOMER"], len(cases))
        self.assertTrue(any(len(c["communications"]) > 5 for c in cases))
        # Members' cases were made by the seeding session; the management account's by its root.
        management = org["management_account_id"]
        for case in cases:
            expected_by = (org["management_account_email"] if case["account_id"] == management
                           else f"localaws-seed@{case['account_id']}")
            self.assertEqual(case["submitted_by"], expected_by)

        # The reader role exists where it should, and is what the enricher would assume.
        member = expected[1]
        reader = self.server.assume(member, role="CimaCaseReaderRole", session="enricher")
        api = self.server.client("support", **reader)
        listed = {c["caseId"]: c for c in api.describe_cases(includeResolvedCases=True, maxResults=100)["cases"]}
        mine = next(a for a in truth["accounts"] if a["account_id"] == member)["cases"]
        self.assertEqual(set(listed), {c["case_id"] for c in mine})
        for case in mine:
            shown = listed[case["case_id"]]
            self.assertEqual((shown["status"], shown["severityCode"], shown["timeCreated"], shown["displayId"]),
                             (case["status"], case["severity_code"], case["time_created"], case["display_id"]))
        with self.assertRaises(ClientError) as err:
            self.server.assume(skipped, role="CimaCaseReaderRole")
        self.assertEqual(err.exception.response["Error"]["Code"], "AccessDenied")
        self.assertEqual(next(a for a in truth["accounts"] if a["account_id"] == skipped)["reader_role"], None)

    def test_same_seed_same_truth_after_reset(self) -> None:
        _, first = self.seed(9)
        self.server.post("/moto-api/reset")
        _, second = self.seed(9)
        self.assertEqual(first, second)
        # Another seed plans other cases (the plan needs no server).
        from localaws.seed_cases import plan_cases

        services = [{"code": "aws-lambda", "name": "Lambda", "categories": [{"code": "other", "name": "Other"}]}]
        account = first["accounts"][1]["account_id"]
        plans = [plan_cases(seed, account, 6, parse(NOW), services) for seed in (9, 9, 10)]
        self.assertEqual(plans[0], plans[1])
        self.assertNotEqual([c["subject"] for c in plans[0]], [c["subject"] for c in plans[2]])

    def test_explicit_accounts_and_default_anchor(self) -> None:
        org = self.server.seed(3, seed=2, invited=0)
        member = org["accounts"][1]["id"]
        truth = self.server.seed_cases(1, 2, "--accounts", member, "--role-name", "OtherReader")
        self.assertEqual([a["account_id"] for a in truth["accounts"]], [member])
        self.assertEqual(truth["accounts"][0]["reader_role"], "OtherReader")
        self.server.assume(member, role="OtherReader")
        today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        # The default anchor is the start of the UTC day (the day may have just turned).
        self.assertLess(abs(parse(truth["anchor"]) - today), datetime.timedelta(days=1, seconds=1))

    def test_forty_accounts_in_well_under_a_minute(self) -> None:
        self.server.seed(40, seed=3, invited=0)
        started = time.monotonic()
        truth = self.server.seed_cases(5, 8)
        elapsed = time.monotonic() - started
        self.assertEqual(len(truth["accounts"]), 41)
        self.assertEqual(sum(len(a["cases"]) for a in truth["accounts"]), 41 * 8)
        self.assertLess(elapsed, 30, f"seeding took {elapsed:.1f} s")


if __name__ == "__main__":
    unittest.main()
