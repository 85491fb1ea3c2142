"""The Organizations extension against a live localaws server: paging, status, truth, reset."""

from __future__ import annotations

import datetime
import unittest

from _launcher import Server, all_pages

ACCOUNTS = 23
SUSPENDED = 3
INVITED = 4


def _rfc3339(value: datetime.datetime) -> str:
    from localaws.seed import rfc3339

    return rfc3339(value)


class SeededOrganization(unittest.TestCase):
    server: Server
    truth: dict

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        try:
            cls.truth = cls.server.seed(ACCOUNTS, seed=11, suspended=SUSPENDED, invited=INVITED)
        except BaseException:
            cls.server.stop()
            raise
        cls.org = cls.server.client("organizations")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def parents(self) -> list[str]:
        return [self.truth["root_id"]] + [ou["id"] for ou in self.truth["ous"]]

    def test_truth_shape(self) -> None:
        accounts = self.truth["accounts"]
        self.assertEqual(len(accounts), ACCOUNTS + 1)
        self.assertEqual(accounts[0]["id"], self.truth["management_account_id"])
        self.assertEqual(self.truth["management_account_id"], "123456789012")
        self.assertEqual(sum(a["status"] == "SUSPENDED" for a in accounts), SUSPENDED)
        self.assertEqual(sum(a["joined_method"] == "INVITED" for a in accounts), INVITED)
        self.assertEqual(
            sorted(ou["path"] for ou in self.truth["ous"]),
            ["/NonProduction", "/NonProduction/Dev", "/NonProduction/Test", "/Production",
             "/Production/Data", "/Production/Web", "/Security", "/SharedServices"],
        )
        self.assertTrue(any(a["tags"] for a in accounts))

    def test_list_accounts_pages_every_account_once(self) -> None:
        expected = sorted(a["id"] for a in self.truth["accounts"])
        for size in (1, 2, 3, 7, 20):
            with self.subTest(max_results=size):
                items, pages = all_pages(self.org.list_accounts, "Accounts", ACCOUNTS + 3, MaxResults=size)
                self.assertEqual(sorted(a["Id"] for a in items), expected)
                self.assertEqual(pages, -(-len(expected) // size))

    def test_list_accounts_pages_with_equal_joined_timestamps(self) -> None:
        # Stock moto resumed pages on JoinedTimestamp; equal ones used to loop forever.
        server = Server()
        try:
            org = server.client("organizations")
            org.create_organization(FeatureSet="ALL")
            for index in range(5):
                account_id = org.create_account(AccountName=f"same-{index}", Email=f"s{index}@example.com")[
                    "CreateAccountStatus"]["AccountId"]
                status, _ = server.post("/_localaws/organizations/account",
                                        {"account_id": account_id, "joined_timestamp": "2020-01-01T00:00:00Z"})
                self.assertEqual(status, 200)
            items, _ = all_pages(org.list_accounts, "Accounts", 10, MaxResults=1)
            self.assertEqual(len(items), 6)
            self.assertEqual(len({a["Id"] for a in items}), 6)
        finally:
            server.stop()

    def test_list_accounts_for_parent_pages(self) -> None:
        for parent_id in self.parents():
            expected = sorted(a["id"] for a in self.truth["accounts"] if a["parent_id"] == parent_id)
            for size in (1, 2):
                with self.subTest(parent=parent_id, max_results=size):
                    items, _ = all_pages(self.org.list_accounts_for_parent, "Accounts", ACCOUNTS + 3,
                                         ParentId=parent_id, MaxResults=size)
                    self.assertEqual(sorted(a["Id"] for a in items), expected)

    def test_list_children_pages(self) -> None:
        for parent_id in self.parents():
            accounts = sorted(a["id"] for a in self.truth["accounts"] if a["parent_id"] == parent_id)
            ous = sorted(o["id"] for o in self.truth["ous"] if o["parent_id"] == parent_id)
            for child_type, expected in (("ACCOUNT", accounts), ("ORGANIZATIONAL_UNIT", ous)):
                with self.subTest(parent=parent_id, child_type=child_type):
                    items, pages = all_pages(self.org.list_children, "Children", ACCOUNTS + 3,
                                             ParentId=parent_id, ChildType=child_type, MaxResults=2)
                    self.assertEqual(sorted(c["Id"] for c in items), expected)
                    self.assertEqual(pages, max(1, -(-len(expected) // 2)))

    def test_list_ous_for_parent_pages(self) -> None:
        for parent_id in self.parents():
            expected = sorted(o["id"] for o in self.truth["ous"] if o["parent_id"] == parent_id)
            items, _ = all_pages(self.org.list_organizational_units_for_parent, "OrganizationalUnits", 20,
                                 ParentId=parent_id, MaxResults=1)
            self.assertEqual(sorted(o["Id"] for o in items), expected)

    def test_list_create_account_status_terminates(self) -> None:
        items, pages = all_pages(self.org.list_create_account_status, "CreateAccountStatuses", ACCOUNTS + 3,
                                 MaxResults=3)
        self.assertEqual(len(items), ACCOUNTS + 1)
        self.assertEqual(len({s["Id"] for s in items}), ACCOUNTS + 1)
        self.assertEqual(pages, -(-(ACCOUNTS + 1) // 3))

    def test_suspended_visible(self) -> None:
        suspended = [a for a in self.truth["accounts"] if a["status"] == "SUSPENDED"]
        self.assertEqual(len(suspended), SUSPENDED)
        for account in suspended:
            described = self.org.describe_account(AccountId=account["id"])["Account"]
            self.assertEqual(described["Status"], "SUSPENDED")
            listed, _ = all_pages(self.org.list_accounts_for_parent, "Accounts", 30, ParentId=account["parent_id"])
            self.assertEqual({a["Id"]: a["Status"] for a in listed}[account["id"]], "SUSPENDED")

    def test_truth_matches_api(self) -> None:
        organization = self.org.describe_organization()["Organization"]
        self.assertEqual(organization["Id"], self.truth["organization_id"])
        self.assertEqual(organization["FeatureSet"], "ALL")
        self.assertEqual(self.org.list_roots()["Roots"][0]["Id"], self.truth["root_id"])
        for account in self.truth["accounts"]:
            with self.subTest(account=account["name"]):
                described = self.org.describe_account(AccountId=account["id"])["Account"]
                self.assertEqual(described["Name"], account["name"])
                self.assertEqual(described["Email"], account["email"])
                self.assertEqual(described["Status"], account["status"])
                self.assertEqual(described["JoinedMethod"], account["joined_method"])
                self.assertEqual(_rfc3339(described["JoinedTimestamp"]), account["joined_timestamp"])
                parents = self.org.list_parents(ChildId=account["id"])["Parents"]
                self.assertEqual([p["Id"] for p in parents], [account["parent_id"]])
                tags = self.org.list_tags_for_resource(ResourceId=account["id"])["Tags"]
                self.assertEqual({t["Key"]: t["Value"] for t in tags}, account["tags"])
        by_id = {ou["id"]: ou for ou in self.truth["ous"]}
        for ou in self.truth["ous"]:
            parent_path = by_id[ou["parent_id"]]["path"] if ou["parent_id"] in by_id else ""
            self.assertEqual(ou["path"], f"{parent_path}/{ou['name']}")
            described = self.org.describe_organizational_unit(OrganizationalUnitId=ou["id"])
            self.assertEqual(described["OrganizationalUnit"]["Name"], ou["name"])

    def test_members_joined_in_order(self) -> None:
        members = self.truth["accounts"][1:]
        stamps = [a["joined_timestamp"] for a in members]
        self.assertEqual(stamps, sorted(stamps))
        self.assertEqual(len(set(stamps)), len(stamps))

    def test_assume_role_lands_in_member_account(self) -> None:
        member = next(a for a in self.truth["accounts"][1:] if a["status"] == "ACTIVE")
        credentials = self.server.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{member['id']}:role/OrganizationAccountAccessRole",
            RoleSessionName="localaws-test",
        )["Credentials"]
        as_member = {"key": credentials["AccessKeyId"], "secret": credentials["SecretAccessKey"],
                     "token": credentials["SessionToken"]}
        self.assertEqual(self.server.client("sts", **as_member).get_caller_identity()["Account"], member["id"])
        # The role moto created with the account is in the member's IAM, not the management's.
        role = self.server.client("iam", **as_member).get_role(RoleName="OrganizationAccountAccessRole")
        self.assertIn(member["id"], role["Role"]["Arn"])
        # Member accounts see the organization they belong to.
        organization = self.server.client("organizations", **as_member).describe_organization()
        self.assertEqual(organization["Organization"]["Id"], self.truth["organization_id"])


class ControlAndReset(unittest.TestCase):
    def setUp(self) -> None:
        self.server = Server()
        self.addCleanup(self.server.stop)
        self.org = self.server.client("organizations")

    def test_health(self) -> None:
        import urllib.request

        with urllib.request.urlopen(self.server.endpoint + "/_localaws/health", timeout=10) as response:
            self.assertIn(b'"moto": "5.2.1"', response.read())

    def test_reset_empties_the_organization(self) -> None:
        truth = self.server.seed(5, seed=3)
        member = truth["accounts"][1]["id"]
        self.assertEqual(self.server.post("/moto-api/reset")[0], 200)
        with self.assertRaises(self.org.exceptions.AWSOrganizationsNotInUseException):
            self.org.describe_organization()
        self.assertEqual(self.org.list_accounts()["Accounts"], [])
        # Reset emptied IAM as well, so the member's role is gone and AssumeRole refuses it.
        sts = self.server.client("sts")
        role_arn = f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        with self.assertRaises(sts.exceptions.ClientError) as denied:
            sts.assume_role(RoleArn=role_arn, RoleSessionName="after-reset")
        self.assertEqual(denied.exception.response["Error"]["Code"], "AccessDenied")
        # Put the role back in the stale account (moto routes a call by its x-moto-account-id header).
        iam = self.server.client("iam")
        iam.meta.events.register("before-sign.iam.*",
                                 lambda request, **_: request.headers.__setitem__("x-moto-account-id", member))
        iam.create_role(RoleName="OrganizationAccountAccessRole", AssumeRolePolicyDocument="{}")
        # A member of the old organization no longer belongs to any (stock moto answered 500).
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
                                      RoleSessionName="after-reset")["Credentials"]
        as_member = self.server.client("organizations", key=credentials["AccessKeyId"],
                                       secret=credentials["SecretAccessKey"], token=credentials["SessionToken"])
        with self.assertRaises(as_member.exceptions.AWSOrganizationsNotInUseException):
            as_member.describe_organization()

    def test_same_seed_same_truth(self) -> None:
        first = self.server.seed(8, seed=42, suspended=2)
        self.server.post("/moto-api/reset")
        second = self.server.seed(8, seed=42, suspended=2)
        self.assertEqual(first, second)
        self.server.post("/moto-api/reset")
        other = self.server.seed(8, seed=43, suspended=2)
        self.assertNotEqual([a["name"] for a in first["accounts"]], [a["name"] for a in other["accounts"]])

    def test_control_endpoint(self) -> None:
        self.org.create_organization(FeatureSet="ALL")
        account_id = self.org.create_account(AccountName="x", Email="x@example.com")["CreateAccountStatus"]["AccountId"]
        status, body = self.server.post("/_localaws/organizations/account",
                                        {"account_id": account_id, "status": "PENDING_CLOSURE",
                                         "joined_method": "INVITED", "joined_timestamp": "2021-05-06T07:08:09Z"})
        self.assertEqual(status, 200, body)
        described = self.org.describe_account(AccountId=account_id)["Account"]
        self.assertEqual(described["Status"], "PENDING_CLOSURE")
        self.assertEqual(described["JoinedMethod"], "INVITED")
        self.assertEqual(_rfc3339(described["JoinedTimestamp"]), "2021-05-06T07:08:09Z")
        for bad in ({"account_id": account_id, "status": "GONE"},
                    {"account_id": account_id, "joined_method": "STOLEN"},
                    {"account_id": account_id, "joined_timestamp": "2021-05-06T07:08:09"},
                    {"status": "ACTIVE"}):
            with self.subTest(body=bad):
                self.assertEqual(self.server.post("/_localaws/organizations/account", bad)[0], 400)
        self.assertEqual(self.server.post("/_localaws/organizations/account", {"account_id": "000000000000"})[0], 404)
        self.assertEqual(self.server.post("/_localaws/nothing-here")[0], 404)


if __name__ == "__main__":
    unittest.main()
