"""Athena queries executed by ext_athena (DuckDB) over moto's S3 and Glue, against hand-computed
results: the store's contract query from modules/cima-central/README.md, counts, parameters,
partition pruning, failures, paging and the result file, and each Trino function mapping."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import unittest
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from _launcher import PACKAGE_ROOT, Server
from localaws import ext_athena

REPO_ROOT = os.path.dirname(os.path.dirname(PACKAGE_ROOT))
WAIT = 60  # seconds a test waits for one query (they take milliseconds)

# As modules/cima-central defines them (storage.tf, main.tf): names, layout and table definitions.
BUCKET = "cima-data-123456789012-us-east-1"
DATABASE = "heididatacollectiondb"
WORKGROUP = "cima"
SOURCE = "heidi.support"
DATA = f"s3://{BUCKET}/DataCollection-data/"
INVENTORY = "DataCollection-metadata/ReferenceOds/AccountsInfo"
DETAIL_TYPE = (
    "struct<caseid:string,displayid:string,subject:string,status:string,servicecode:string,"
    "categorycode:string,severitycode:string,submittedby:string,timecreated:string,"
    "ccemailaddresses:array<string>,language:string,submittedrole:string,"
    "lastcommunicationtime:string,firstresponsetime:string,accountname:string>"
)
SUPPORTCASEEVENTS = {
    "Name": "supportcaseevents",
    "Description": "AWS Support case events enriched by CIMA (one JSON event per line, latest per caseId wins)",
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {
        "EXTERNAL": "TRUE",
        "classification": "json",
        "projection.enabled": "true",
        "projection.date_created.type": "date",
        "projection.date_created.format": "yyyy/MM/dd",
        "projection.date_created.interval": "1",
        "projection.date_created.interval.unit": "DAYS",
        "projection.date_created.range": "2021/01/01,NOW",
        "projection.source_partition.type": "enum",
        "projection.source_partition.values": SOURCE,
        "storage.location.template": DATA + "${source_partition}/${date_created}/",
    },
    "PartitionKeys": [{"Name": "date_created", "Type": "string"}, {"Name": "source_partition", "Type": "string"}],
    "StorageDescriptor": {
        "Location": DATA,
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "Compressed": False,
        "SerdeInfo": {
            "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
            "Parameters": {"paths": "account,detail,detail-type,id,region,resources,source,time,version"},
        },
        "Columns": [
            {"Name": "version", "Type": "string"}, {"Name": "id", "Type": "string"},
            {"Name": "detail-type", "Type": "string"}, {"Name": "source", "Type": "string"},
            {"Name": "account", "Type": "string"}, {"Name": "time", "Type": "string"},
            {"Name": "region", "Type": "string"}, {"Name": "resources", "Type": "array<string>"},
            {"Name": "detail", "Type": DETAIL_TYPE},
        ],
    },
}
ACCOUNTSINFO = {
    "Name": "accountsinfo",
    "Description": "The organization's accounts, written by cima_org_query, for the account-name join",
    "TableType": "EXTERNAL_TABLE",
    "Parameters": {"EXTERNAL": "TRUE", "classification": "csv", "skip.header.line.count": "1"},
    "StorageDescriptor": {
        "Location": f"s3://{BUCKET}/{INVENTORY}/",
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
            "Parameters": {"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"},
        },
        "Columns": [{"Name": n, "Type": "string"} for n in
                    ["accountid", "arn", "email", "name", "status", "joinedmethod", "joinedtimestamp", "tag", "ou_path"]],
    },
}

# The store's contract (modules/cima-central/README.md), verbatim.
LATEST_PER_CASE = """SELECT c.*, a.name AS account_name
FROM (
  SELECT detail.*, account, "time",
         row_number() OVER (PARTITION BY detail.caseid ORDER BY "time" DESC) AS rn
  FROM supportcaseevents
  WHERE date_created >= '2025/01/01'
) c
LEFT JOIN accountsinfo a ON c.account = a.accountid
WHERE c.rn = 1;"""

DROP_TEXT = "It's broken'; DROP TABLE supportcaseevents; --"


def detail(case: str, status: str, severity: str, **extra: Any) -> dict[str, Any]:
    """An enriched case as the enricher writes it (camelCase keys)."""
    account = case.split("-")[1]
    body = {
        "caseId": case, "displayId": str(1000 + ord(case[-1])), "subject": f"Subject of {case}",
        "status": status, "serviceCode": "amazon-elastic-compute-cloud-linux",
        "categoryCode": "instance-issue", "severityCode": severity,
        "submittedBy": f"ops@{account}", "timeCreated": "2025-01-02T08:00:00.000Z",
        "ccEmailAddresses": ["a@example.com", "b@example.com"], "language": "en",
        "submittedRole": "Admin", "lastCommunicationTime": "2025-01-02T09:00:00.000Z",
        "firstResponseTime": "2025-01-02T09:30:00.000Z", "accountName": f"name-{account}",
    }
    body.update(extra)
    return body


def event(event_id: str, time: str, case: str, status: str, severity: str, **extra: Any) -> dict[str, Any]:
    account = case.split("-")[1]
    return {"version": "0", "id": event_id, "detail-type": SOURCE, "source": SOURCE, "account": account,
            "time": time, "region": "us-east-1", "resources": [],
            "detail": detail(case, status, severity, **extra)}


A, B, C, D, E = ("case-111111111111-a", "case-222222222222-b", "case-111111111111-c",
                 "case-333333333333-d", "case-222222222222-e")

# Objects by key under DataCollection-data/: several days, several events per case.
OBJECTS: dict[str, list[dict[str, Any]]] = {
    # Before the queried range: a late event of A that must not win (and must not be read).
    f"{SOURCE}/2024/12/30/stream-1-2024-12-30-23-59-00-x": [
        event("evt-a-0", "2025-01-09T00:00:00Z", A, "resolved", "high"),
    ],
    f"{SOURCE}/2025/01/02/stream-1-2025-01-02-09-00-00-x": [
        event("evt-a-1", "2025-01-02T09:00:00Z", A, "opened", "high"),
        event("evt-b-1", "2025-01-02T10:00:00Z", B, "opened", "urgent", firstResponseTime=None),
    ],
    f"{SOURCE}/2025/01/03/stream-1-2025-01-03-12-00-00-x": [
        event("evt-a-2", "2025-01-03T12:00:00Z", A, "pending-customer-action", "high",
              firstResponseTime="2025-01-02T10:45:00.000Z"),
        event("evt-c-1", "2025-01-03T08:00:00Z", C, "opened", "normal"),
        event("evt-d-1", "2025-01-03T11:00:00Z", D, "opened", "low"),
        event("evt-e-1", "2025-01-03T13:00:00Z", E, "opened", "urgent", subject=DROP_TEXT),
    ],
    f"{SOURCE}/2025/01/05/stream-1-2025-01-05-10-00-00-x": [
        event("evt-b-2", "2025-01-05T08:00:00Z", B, "resolved", "urgent", ccEmailAddresses=[]),
        # A backfill emitted C twice: same time, same case, different event ids.
        event("evt-c-2", "2025-01-05T09:00:00Z", C, "work-in-progress", "normal"),
        event("evt-c-3", "2025-01-05T09:00:00Z", C, "work-in-progress", "normal"),
        # D's two latest events tie on time; only an explicit tie-break (id) decides.
        event("evt-d-2", "2025-01-05T10:00:00Z", D, "opened", "low"),
        event("evt-d-3", "2025-01-05T10:00:00Z", D, "pending-customer-action", "low"),
        event("evt-e-2", "2025-01-05T11:00:00Z", E, "resolved", "urgent", subject=DROP_TEXT),
    ],
    # Outside the projection's range (before 2021/01/01) and another source: never partitions.
    f"{SOURCE}/2020/06/01/stream-old": [event("evt-x-1", "2020-06-01T00:00:00Z", A, "opened", "low")],
    f"other.source/2025/01/03/stream-other": [event("evt-x-2", "2025-01-03T00:00:00Z", A, "opened", "low")],
}
IN_RANGE = [k for k in OBJECTS if "/2025/" in k and k.startswith(SOURCE)]
NO_FILTER = [k for k in OBJECTS if k.startswith(SOURCE) and "/2020/" not in k]

ACCOUNTS_CSV = (
    "accountid,arn,email,name,status,joinedmethod,joinedtimestamp,tag,ou_path\n"
    "111111111111,arn:aws:organizations::123456789012:account/o-x/111111111111,web@example.com,"
    "\"Web, \"\"prod\"\"\",ACTIVE,CREATED,2024-05-01T10:00:00Z,env=prod;team=a,/Production/Web\n"
    "222222222222,arn:aws:organizations::123456789012:account/o-x/222222222222,data@example.com,"
    "Data,ACTIVE,INVITED,2024-06-01T10:00:00Z,,/Production/Data\n"
)


def json_lines(events: list[dict[str, Any]]) -> bytes:
    # Upper-case one key per event: Hive matches keys case-insensitively, so must the engine.
    lines = []
    for e in events:
        e = dict(e)
        e["Account"] = e.pop("account")
        lines.append(json.dumps(e))
    return ("\n".join(lines) + "\n").encode()


_server: Server | None = None


def setUpModule() -> None:  # noqa: N802 - unittest's name
    """One server for the whole module: the data is only read (a test that adds an object removes it)."""
    global _server
    server = Server()
    try:
        s3 = server.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        for key, events in OBJECTS.items():
            s3.put_object(Bucket=BUCKET, Key=f"DataCollection-data/{key}", Body=json_lines(events))
        s3.put_object(Bucket=BUCKET, Key=f"{INVENTORY}/accounts.csv", Body=ACCOUNTS_CSV.encode())
        glue = server.client("glue")
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_table(DatabaseName=DATABASE, TableInput=SUPPORTCASEEVENTS)
        glue.create_table(DatabaseName=DATABASE, TableInput=ACCOUNTSINFO)
        server.client("athena").create_work_group(Name=WORKGROUP, Configuration={
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "BytesScannedCutoffPerQuery": 10737418240,
            "ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/athena-results/"},
        })
    except BaseException:
        server.stop()
        raise
    _server = server


def tearDownModule() -> None:  # noqa: N802 - unittest's name
    if _server is not None:
        _server.stop()


class AthenaBase(unittest.TestCase):
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        assert _server is not None
        cls.server = _server
        cls.s3 = _server.client("s3")
        cls.athena = _server.client("athena")

    def start(self, sql: str, parameters: list[str] | None = None) -> str:
        extra = {"ExecutionParameters": parameters} if parameters is not None else {}
        return self.athena.start_query_execution(
            QueryString=sql, WorkGroup=WORKGROUP,
            QueryExecutionContext={"Database": DATABASE, "Catalog": "AwsDataCatalog"}, **extra,
        )["QueryExecutionId"]

    def wait(self, query_id: str) -> dict[str, Any]:
        status, body = self.server.post("/_localaws/athena/execution", {"query_execution_id": query_id, "wait": WAIT})
        self.assertEqual(status, 200, body)
        self.assertIn(body["state"], ext_athena.TERMINAL, body)
        return body

    def run_query(self, sql: str, parameters: list[str] | None = None, state: str = "SUCCEEDED") -> tuple[str, dict[str, Any], dict[str, Any]]:
        query_id = self.start(sql, parameters)
        info = self.wait(query_id)
        execution = self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        self.assertEqual(execution["Status"]["State"], state, execution["Status"])
        return query_id, execution, info

    def rows(self, query_id: str, page: int = 1000) -> tuple[list[str], list[list[str | None]], list[dict[str, Any]]]:
        """Header, data rows (None for NULL) and column info, following every page."""
        all_rows: list[list[str | None]] = []
        token, info = None, []
        for _ in range(100):
            response = self.athena.get_query_results(QueryExecutionId=query_id, MaxResults=page,
                                                     **({"NextToken": token} if token else {}))
            info = response["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
            all_rows += [[d.get("VarCharValue") for d in r["Data"]] for r in response["ResultSet"]["Rows"]]
            token = response.get("NextToken")
            if not token:
                break
        else:
            self.fail("GetQueryResults still paging after 100 pages")
        header = all_rows[0]
        return [h or "" for h in header], all_rows[1:], info

    def query(self, sql: str, parameters: list[str] | None = None) -> list[dict[str, str | None]]:
        query_id, _, _ = self.run_query(sql, parameters)
        header, rows, _ = self.rows(query_id)
        return [dict(zip(header, r)) for r in rows]


class ContractQuery(AthenaBase):
    def test_latest_row_per_case_joined_with_account_names(self) -> None:
        query_id, execution, info = self.run_query(LATEST_PER_CASE)
        header, rows, columns = self.rows(query_id)
        # The store's JSON is DuckDB's to read; the inventory's CSV the Python SerDe's.
        self.assertEqual(info["readers"], {f"{DATABASE}.supportcaseevents": "duckdb", f"{DATABASE}.accountsinfo": "serde"})
        self.assertEqual(header, [
            "caseid", "displayid", "subject", "status", "servicecode", "categorycode", "severitycode",
            "submittedby", "timecreated", "ccemailaddresses", "language", "submittedrole",
            "lastcommunicationtime", "firstresponsetime", "accountname", "account", "time", "rn", "account_name"])
        types = {c["Name"]: c["Type"] for c in columns}
        self.assertEqual((types["caseid"], types["ccemailaddresses"], types["rn"]), ("varchar", "array", "bigint"))
        by_case = {r[0]: dict(zip(header, r)) for r in rows}
        self.assertEqual(sorted(by_case), sorted([A, B, C, D, E]))
        self.assertEqual(len(rows), 5)

        a = by_case[A]
        # The 2024/12/30 event is later but outside date_created >= '2025/01/01'.
        self.assertEqual((a["status"], a["time"], a["severitycode"]), ("pending-customer-action", "2025-01-03T12:00:00Z", "high"))
        self.assertEqual(a["account_name"], 'Web, "prod"')
        self.assertEqual(a["firstresponsetime"], "2025-01-02T10:45:00.000Z")
        self.assertEqual(a["ccemailaddresses"], "[a@example.com, b@example.com]")
        self.assertEqual((a["account"], a["rn"], a["accountname"]), ("111111111111", "1", "name-111111111111"))

        b = by_case[B]
        self.assertEqual((b["status"], b["time"], b["account_name"], b["ccemailaddresses"]),
                         ("resolved", "2025-01-05T08:00:00Z", "Data", "[]"))
        self.assertEqual(by_case[C]["status"], "work-in-progress")
        self.assertEqual(by_case[C]["time"], "2025-01-05T09:00:00Z")
        # D's latest events tie on time: the contract query keeps one of the two, never the older.
        self.assertIn(by_case[D]["status"], ("opened", "pending-customer-action"))
        self.assertEqual(by_case[D]["time"], "2025-01-05T10:00:00Z")
        self.assertIsNone(by_case[D]["account_name"])  # 333333333333 is not in the inventory
        self.assertEqual((by_case[E]["status"], by_case[E]["subject"]), ("resolved", DROP_TEXT))

        self.assertEqual(execution["ResultConfiguration"]["OutputLocation"],
                         f"s3://{BUCKET}/athena-results/{query_id}.csv")
        self.assertEqual(execution["WorkGroup"], WORKGROUP)
        self.assertGreater(execution["Statistics"]["DataScannedInBytes"], 0)

    def test_counts_by_severity_and_status_over_latest_rows(self) -> None:
        rows = self.query("""
            WITH latest AS (
              SELECT detail, row_number() OVER (PARTITION BY detail.caseid ORDER BY "time" DESC, id DESC) AS rn
              FROM supportcaseevents
              WHERE date_created >= '2025/01/01'
            )
            SELECT detail.severitycode AS severity, detail.status, count(*)
            FROM latest WHERE rn = 1
            GROUP BY 1, 2 ORDER BY 1, 2""")
        self.assertEqual(rows, [
            {"severity": "high", "status": "pending-customer-action", "_col2": "1"},
            {"severity": "low", "status": "pending-customer-action", "_col2": "1"},  # evt-d-3 > evt-d-2
            {"severity": "normal", "status": "work-in-progress", "_col2": "1"},
            {"severity": "urgent", "status": "resolved", "_col2": "2"},
        ])
        by_severity = self.query("""
            SELECT detail.severitycode AS severity, count(DISTINCT detail.caseid) AS cases, count(*) AS events
            FROM cima_alias_check.supportcaseevents WHERE date_created >= '2025/01/01' GROUP BY 1 ORDER BY 1"""
                                 .replace("cima_alias_check", DATABASE))
        self.assertEqual([(r["severity"], r["cases"], r["events"]) for r in by_severity],
                         [("high", "1", "2"), ("low", "1", "3"), ("normal", "1", "3"), ("urgent", "2", "4")])


class Parameters(AthenaBase):
    def test_parameters_are_bound_as_data(self) -> None:
        sql = ("SELECT detail.caseid, \"time\" FROM supportcaseevents "
               "WHERE date_created >= ? AND detail.subject = ? AND length(detail.subject) > ? ORDER BY 2")
        quoted = "'" + DROP_TEXT.replace("'", "''") + "'"
        query_id, execution, info = self.run_query(sql, ["'2025/01/01'", quoted, "5"])
        _, rows, _ = self.rows(query_id)
        self.assertEqual(rows, [[E, "2025-01-03T13:00:00Z"], [E, "2025-01-05T11:00:00Z"]])
        self.assertEqual(execution["ExecutionParameters"], ["'2025/01/01'", quoted, "5"])
        # The bound date pruned partitions too.
        self.assertEqual(sorted(info["objects_read"]), sorted(f"{DATA}{k}" for k in IN_RANGE))
        # Nothing was pasted into the text DuckDB ran.
        self.assertNotIn("DROP", info["sql"])

        # The same text as a value that matches nothing, and the table is intact afterwards.
        self.assertEqual(self.query(sql, ["'2025/01/01'", "'x''; DROP TABLE supportcaseevents; --'", "0"]), [])
        self.assertEqual(len(self.query("SELECT id FROM supportcaseevents WHERE date_created >= '2025/01/01'")), 12)

    def test_wrong_parameter_count_fails(self) -> None:
        _, execution, _ = self.run_query("SELECT ? AS a, ? AS b", ["1"], state="FAILED")
        self.assertEqual(execution["Status"]["StateChangeReason"],
                         "INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected 2 but found 1")

    def test_parameter_forms(self) -> None:
        rows = self.query("SELECT ? AS s, ? AS n, ? AS d, ? AS b, ? AS day", ["'a''b'", "-7", "2.50", "true", "DATE '2025-01-02'"])
        self.assertEqual(rows, [{"s": "a'b", "n": "-7", "d": "2.50", "b": "true", "day": "2025-01-02"}])
        _, execution, _ = self.run_query("SELECT ? AS x", ["1; DROP TABLE t"], state="FAILED")
        self.assertTrue(execution["Status"]["StateChangeReason"].startswith("INVALID_PARAMETER_USAGE:"))


class Pruning(AthenaBase):
    def test_objects_outside_the_range_are_never_read(self) -> None:
        _, execution, info = self.run_query(LATEST_PER_CASE)
        events = sorted(o for o in info["objects_read"] if o.startswith(DATA))
        self.assertEqual(events, sorted(f"{DATA}{k}" for k in IN_RANGE))
        self.assertIn(f"s3://{BUCKET}/{INVENTORY}/accounts.csv", info["objects_read"])
        sizes = sum(len(json_lines(OBJECTS[k])) for k in IN_RANGE) + len(ACCOUNTS_CSV.encode())
        self.assertEqual(execution["Statistics"]["DataScannedInBytes"], sizes)
        # The server's account of where the time went: every phase, adding up to the run.
        timings = info["timings_ms"]
        phases = ("list", "read", "ingest", "query", "render", "write", "other")
        self.assertEqual(set(timings), {"queued", "running", "cpu", *phases})
        self.assertTrue(all(timings[p] >= 0 for p in timings))
        self.assertLessEqual(timings["cpu"], timings["running"] + 1.0)
        self.assertAlmostEqual(sum(timings[p] for p in phases), timings["running"], delta=1.0)

    def test_equality_on_one_day_reads_that_day(self) -> None:
        _, _, info = self.run_query("SELECT count(*) AS n FROM supportcaseevents s "
                                    "WHERE s.date_created = '2025/01/03' AND source_partition = 'heidi.support'")
        self.assertEqual(info["objects_read"], [f"{DATA}{SOURCE}/2025/01/03/stream-1-2025-01-03-12-00-00-x"])

    def test_unnest_beside_the_table_still_prunes(self) -> None:
        query_id, _, info = self.run_query(
            "SELECT email, count(*) AS n FROM supportcaseevents CROSS JOIN UNNEST(detail.ccemailaddresses) AS t(email) "
            "WHERE date_created = '2025/01/05' GROUP BY 1 ORDER BY 1")
        self.assertEqual(self.rows(query_id)[1], [["a@example.com", "5"], ["b@example.com", "5"]])
        self.assertEqual(info["objects_read"], [f"{DATA}{SOURCE}/2025/01/05/stream-1-2025-01-05-10-00-00-x"])

    def test_without_a_predicate_every_projected_partition_is_read(self) -> None:
        rows = self.query("SELECT date_created, count(*) AS n FROM supportcaseevents GROUP BY 1 ORDER BY 1")
        self.assertEqual([(r["date_created"], r["n"]) for r in rows],
                         [("2024/12/30", "1"), ("2025/01/02", "2"), ("2025/01/03", "4"), ("2025/01/05", "6")])
        _, _, info = self.run_query("SELECT count(*) FROM supportcaseevents")
        # 2020/06/01 is before the projection's range, other.source is not one of its values.
        self.assertEqual(sorted(info["objects_read"]), sorted(f"{DATA}{k}" for k in NO_FILTER))

    def test_a_predicate_under_an_outer_join_does_not_prune(self) -> None:
        # The NULL-supplying side of a LEFT JOIN: reading only its matching partitions first would
        # turn accounts whose events are all older into NULL rows that pass `IS NULL`.
        query_id, _, info = self.run_query(
            "SELECT a.accountid, e.id FROM accountsinfo a LEFT JOIN supportcaseevents e "
            "ON e.account = a.accountid WHERE e.date_created >= '2025/01/05' OR e.date_created IS NULL "
            "ORDER BY 2")
        _, rows, _ = self.rows(query_id)
        self.assertEqual(rows, [["222222222222", "evt-b-2"], ["111111111111", "evt-c-2"],
                                ["111111111111", "evt-c-3"], ["222222222222", "evt-e-2"]])
        self.assertEqual(sorted(o for o in info["objects_read"] if o.startswith(DATA)),
                         sorted(f"{DATA}{k}" for k in NO_FILTER))


class Failures(AthenaBase):
    def test_syntax_error_fails_with_the_engine_message(self) -> None:
        query_id, execution, _ = self.run_query("SELEC caseid FROM supportcaseevents", state="FAILED")
        reason = execution["Status"]["StateChangeReason"]
        self.assertEqual(reason, 'SYNTAX_ERROR: line 1:1: syntax error at or near "SELEC"')
        self.assertEqual(execution["Status"]["AthenaError"]["ErrorMessage"], reason)
        with self.assertRaises(ClientError) as caught:
            self.athena.get_query_results(QueryExecutionId=query_id)
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidRequestException")
        self.assertIn("FAILED", caught.exception.response["Error"]["Message"])

    def test_unknown_column_and_table(self) -> None:
        _, execution, _ = self.run_query("SELECT nosuch FROM supportcaseevents", state="FAILED")
        self.assertRegex(execution["Status"]["StateChangeReason"], r'^COLUMN_NOT_FOUND: .*"nosuch"')
        _, execution, _ = self.run_query("SELECT * FROM nosuchtable", state="FAILED")
        self.assertRegex(execution["Status"]["StateChangeReason"], r"^TABLE_NOT_FOUND: .*nosuchtable")

    def test_only_one_select_and_no_file_access(self) -> None:
        _, execution, _ = self.run_query("DELETE FROM supportcaseevents", state="FAILED")
        self.assertTrue(execution["Status"]["StateChangeReason"].startswith("NOT_SUPPORTED:"))
        _, execution, _ = self.run_query("SHOW TABLES", state="FAILED")
        self.assertTrue(execution["Status"]["StateChangeReason"].startswith("NOT_SUPPORTED:"))
        _, execution, _ = self.run_query("SELECT 1; SELECT 2", state="FAILED")
        self.assertIn("Only one sql statement", execution["Status"]["StateChangeReason"])
        _, execution, _ = self.run_query(f"SELECT * FROM read_text('{os.path.abspath(__file__)}')", state="FAILED")
        self.assertIn("disabled by configuration", execution["Status"]["StateChangeReason"])

    def test_bad_data_fails_the_query(self) -> None:
        key = f"DataCollection-data/{SOURCE}/2025/02/01/broken"
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=b'{"id": "ok"}\n{not json\n')
        self.addCleanup(self.s3.delete_object, Bucket=BUCKET, Key=key)
        _, execution, _ = self.run_query("SELECT id FROM supportcaseevents WHERE date_created = '2025/02/01'", state="FAILED")
        self.assertRegex(execution["Status"]["StateChangeReason"],
                         rf"^HIVE_CURSOR_ERROR: Row is not a valid JSON Object .*line 2 of s3://{BUCKET}/{key}")

    def test_timeout_and_stop(self) -> None:
        status, body = self.server.post("/_localaws/athena/settings", {"timeout": 0.3})
        self.assertEqual((status, body), (200, {"timeout": 0.3}))
        self.addCleanup(self.server.post, "/_localaws/athena/settings", {"timeout": ext_athena.DEFAULT_TIMEOUT})
        endless = "SELECT count(*) FROM range(1000000000000) a(x) WHERE x % 7 = 3"
        _, execution, _ = self.run_query(endless, state="FAILED")
        self.assertTrue(execution["Status"]["StateChangeReason"].startswith("EXCEEDED_TIME_LIMIT:"), execution["Status"])

        self.server.post("/_localaws/athena/settings", {"timeout": 60})
        query_id = self.start(endless)
        self.athena.stop_query_execution(QueryExecutionId=query_id)
        self.assertEqual(self.wait(query_id)["state"], "CANCELLED")
        self.assertEqual(self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"],
                         "CANCELLED")

    def test_unknown_execution_and_missing_output_location(self) -> None:
        with self.assertRaises(ClientError) as caught:
            self.athena.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidRequestException")
        with self.assertRaises(ClientError) as caught:
            self.athena.start_query_execution(QueryString="SELECT 1")  # primary has no output location
        self.assertIn("No output location provided", caught.exception.response["Error"]["Message"])


class ResultsAndPaging(AthenaBase):
    SQL = ("SELECT id, \"time\", detail.caseid AS caseid, detail.firstresponsetime, detail.ccemailaddresses AS cc, "
           "CAST(NULL AS varchar) AS nothing, 2.5E0 * 2 AS d, detail FROM supportcaseevents "
           "WHERE date_created >= '2025/01/01' ORDER BY id")

    def test_pages_and_the_csv_at_the_output_location(self) -> None:
        query_id, execution, _ = self.run_query(self.SQL)
        header, rows, columns = self.rows(query_id, page=1000)
        paged_header, paged_rows, _ = self.rows(query_id, page=5)
        self.assertEqual((paged_header, paged_rows), (header, rows))
        self.assertEqual(len(rows), 12)
        self.assertEqual([r[0] for r in rows], sorted(r[0] for r in rows))
        first = self.athena.get_query_results(QueryExecutionId=query_id, MaxResults=5)
        # The header row counts towards MaxResults.
        self.assertEqual(len(first["ResultSet"]["Rows"]), 5)
        self.assertEqual([d["VarCharValue"] for d in first["ResultSet"]["Rows"][0]["Data"]], header)
        self.assertEqual(header, ["id", "time", "caseid", "firstresponsetime", "cc", "nothing", "d", "detail"])
        self.assertEqual([c["Type"] for c in columns],
                         ["varchar", "varchar", "varchar", "varchar", "array", "varchar", "double", "row"])

        b1 = rows[[r[0] for r in rows].index("evt-b-1")]
        self.assertIsNone(b1[3])  # firstResponseTime null in the JSON
        self.assertIsNone(b1[5])
        self.assertEqual(b1[6], "5.0")
        self.assertTrue(b1[7].startswith(f"{{caseid={B}, displayid=1098, subject=Subject of {B}, status=opened,"), b1[7])
        self.assertIn("firstresponsetime=null,", b1[7])

        location = execution["ResultConfiguration"]["OutputLocation"]
        self.assertEqual(location, f"s3://{BUCKET}/athena-results/{query_id}.csv")
        body = self.s3.get_object(Bucket=BUCKET, Key=f"athena-results/{query_id}.csv")["Body"].read().decode()
        self.assertTrue(body.startswith('"id","time","caseid","firstresponsetime","cc","nothing","d","detail"\n'), body[:200])
        parsed = list(csv.reader(io.StringIO(body)))
        self.assertEqual(parsed[0], header)
        self.assertEqual(parsed[1:], [[v or "" for v in r] for r in rows])
        # NULL is an empty, unquoted field; an empty string would be "".
        self.assertIn(',"5.0",', body)
        self.assertRegex(body, r'"evt-b-1","2025-01-02T10:00:00Z","case-222222222222-b",,"\[a@example.com, b@example.com\]",,')

    def test_page_limits_and_tokens(self) -> None:
        query_id, _, _ = self.run_query("SELECT 1 AS one")
        with self.assertRaises(ClientError) as caught:
            self.athena.get_query_results(QueryExecutionId=query_id, MaxResults=1001)
        self.assertIn("less than or equal to 1000", caught.exception.response["Error"]["Message"])
        other, _, _ = self.run_query(self.SQL)
        token = self.athena.get_query_results(QueryExecutionId=other, MaxResults=2)["NextToken"]
        with self.assertRaises(ClientError):
            self.athena.get_query_results(QueryExecutionId=query_id, NextToken=token)
        single = self.athena.get_query_results(QueryExecutionId=query_id)
        self.assertNotIn("NextToken", single)
        self.assertEqual([[d.get("VarCharValue") for d in r["Data"]] for r in single["ResultSet"]["Rows"]],
                         [["one"], ["1"]])

    def test_states_are_honest(self) -> None:
        query_id = self.start("SELECT count(*) AS n FROM supportcaseevents WHERE date_created >= '2025/01/01'")
        seen = self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"]
        self.assertIn(seen, ("QUEUED", "RUNNING", "SUCCEEDED"))
        if seen != "SUCCEEDED":
            with self.assertRaises(ClientError) as caught:
                self.athena.get_query_results(QueryExecutionId=query_id)
            self.assertIn("not yet finished", caught.exception.response["Error"]["Message"])
        self.wait(query_id)
        status = self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        self.assertEqual(status["State"], "SUCCEEDED")
        self.assertGreaterEqual(status["CompletionDateTime"], status["SubmissionDateTime"])
        self.assertIn(query_id, self.athena.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"])


class TrinoFunctionsEndToEnd(AthenaBase):
    def test_dashboard_style_query(self) -> None:
        rows = self.query("""
            SELECT detail.caseid AS caseid,
                   date_diff('minute', from_iso8601_timestamp(detail.timecreated),
                             from_iso8601_timestamp(detail.firstresponsetime)) AS minutes,
                   cardinality(detail.ccemailaddresses) AS cc,
                   date_format(from_iso8601_timestamp("time"), '%Y-%m-%d %H:%i') AS at
            FROM supportcaseevents
            WHERE date_created >= '2025/01/01' AND regexp_like(id, '^evt-[ab]-')
            ORDER BY id""")
        self.assertEqual([(r["caseid"], r["minutes"], r["cc"], r["at"]) for r in rows], [
            (A, "90", "2", "2025-01-02 09:00"),
            (A, "165", "2", "2025-01-03 12:00"),  # 08:00 -> 10:45
            (B, None, "2", "2025-01-02 10:00"),
            (B, "90", "0", "2025-01-05 08:00"),
        ])
        median = self.query("""
            SELECT approx_percentile(date_diff('minute', from_iso8601_timestamp(detail.timecreated),
                                                 from_iso8601_timestamp(detail.firstresponsetime)), 0.5) AS p50
            FROM supportcaseevents WHERE date_created >= '2025/01/01'""")
        # 11 values with a first response: 165 once, 90 ten times.
        self.assertEqual(median, [{"p50": "90"}])


class CatalogAndWorkgroups(AthenaBase):
    def test_glue_partitions_without_projection(self) -> None:
        glue = self.server.client("glue")
        table = copy.deepcopy(SUPPORTCASEEVENTS)
        table["Name"] = "eventsbyday"
        table["Parameters"] = {"EXTERNAL": "TRUE", "classification": "json"}
        table["PartitionKeys"] = [{"Name": "day", "Type": "string"}]
        glue.create_table(DatabaseName=DATABASE, TableInput=table)
        self.addCleanup(glue.delete_table, DatabaseName=DATABASE, Name="eventsbyday")
        for day in ("2025/01/02", "2025/01/03"):
            glue.create_partition(DatabaseName=DATABASE, TableName="eventsbyday", PartitionInput={
                "Values": [day], "StorageDescriptor": {**table["StorageDescriptor"], "Location": f"{DATA}{SOURCE}/{day}/"}})
        query_id, _, info = self.run_query(
            f"SELECT day, count(*) AS n FROM {DATABASE}.eventsbyday WHERE day > '2025/01/02' GROUP BY day")
        self.assertEqual(self.rows(query_id)[1], [["2025/01/03", "4"]])
        self.assertEqual(info["objects_read"], [f"{DATA}{SOURCE}/2025/01/03/stream-1-2025-01-03-12-00-00-x"])

    def test_bytes_scanned_cutoff_cancels(self) -> None:
        # Below AWS's 10 MB minimum, which only the SDK checks: a smaller cutoff keeps the data small.
        unchecked = self.server.client("athena", config=Config(parameter_validation=False))
        unchecked.create_work_group(Name="tiny", Configuration={
            "BytesScannedCutoffPerQuery": 1000,
            "ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/athena-results/"},
        })
        self.addCleanup(self.athena.delete_work_group, WorkGroup="tiny")
        query_id = self.athena.start_query_execution(
            QueryString="SELECT count(*) FROM supportcaseevents", WorkGroup="tiny",
            QueryExecutionContext={"Database": DATABASE})["QueryExecutionId"]
        self.assertEqual(self.wait(query_id)["error"], "Bytes scanned limit was exceeded")
        status = self.athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        self.assertEqual(status["State"], "CANCELLED")

    def test_create_database_stays_moto_s(self) -> None:
        _, execution, _ = self.run_query("CREATE DATABASE IF NOT EXISTS scratch")
        self.assertEqual((execution["StatementType"], execution["SubstatementType"]), ("DDL", "CREATE_DATABASE"))


def run_local(sql: str) -> tuple[str | None, str]:
    """The first value of a query run in-process the way ext_athena runs one (rewrite, locked
    DuckDB), rendered as Athena shows it, and its Athena type."""
    conn = ext_athena.new_connection()
    try:
        ext_athena.lock_down(conn)
        statement = ext_athena.parse_sql(conn, sql)
        ext_athena.rewrite_functions(conn, statement)
        cursor = conn.execute(ext_athena.unparse(conn, statement))
        kind = cursor.description[0][1]
        value = cursor.fetchone()[0]
        return ext_athena.render(value, str(kind.id)), ext_athena.column_info("x", kind)["Type"]
    finally:
        conn.close()


class TrinoFunctionMappings(unittest.TestCase):
    """One case per TRINO_FUNCTIONS entry, each answer computed by hand from Trino's documentation
    (where DuckDB's own function of that name would answer differently, the case shows it)."""

    CASES = {
        "from_iso8601_timestamp": ("SELECT from_iso8601_timestamp('2024-05-01T10:00:00.123Z')",
                                   "2024-05-01 10:00:00.123 UTC", "timestamp with time zone"),
        "from_iso8601_date": ("SELECT from_iso8601_date('2024-05-01')", "2024-05-01", "date"),
        # Whole days elapsed: 2 hours is 0 days (DuckDB's date_diff counts the midnight: 1).
        "date_diff": ("SELECT date_diff('day', TIMESTAMP '2025-01-01 23:00:00', TIMESTAMP '2025-01-02 01:00:00')",
                      "0", "bigint"),
        # %i is minutes and %s seconds in Trino (MySQL letters); %c and %e are unpadded.
        "date_format": ("SELECT date_format(TIMESTAMP '2024-05-01 03:04:05', '%Y-%m-%d %H:%i:%s %c/%e')",
                        "2024-05-01 03:04:05 5/1", "varchar"),
        "date_parse": ("SELECT date_parse('2024/05/01 10:11', '%Y/%m/%d %H:%i')", "2024-05-01 10:11:00.000", "timestamp"),
        "approx_percentile": ("SELECT approx_percentile(x, 0.5) FROM (VALUES (1), (2), (3), (4), (100)) t(x)",
                              "3", "integer"),
        "cardinality": ("SELECT cardinality(ARRAY['a', 'b', 'c'])", "3", "bigint"),
        "array_join": ("SELECT array_join(ARRAY['a', NULL, 'b'], ',')", "a,b", "varchar"),
        "regexp_like": ("SELECT regexp_like('evt-a-1', 'a-[0-9]')", "true", "boolean"),
    }

    def test_every_mapping_has_a_case(self) -> None:
        self.assertEqual(sorted(self.CASES), sorted(ext_athena.TRINO_FUNCTIONS))

    def test_mappings(self) -> None:
        for name, (sql, value, kind) in self.CASES.items():
            with self.subTest(name):
                self.assertEqual(run_local(sql), (value, kind))

    def test_nested_calls_and_aliases_survive(self) -> None:
        self.assertEqual(run_local("SELECT cardinality(split(array_join(ARRAY['a', 'b'], ','), ',')) AS n"), ("2", "bigint"))

    def test_arity_and_format_errors(self) -> None:
        with self.assertRaisesRegex(ext_athena.QueryError, "^FUNCTION_NOT_FOUND: date_diff takes 3"):
            run_local("SELECT date_diff('day', DATE '2025-01-01')")
        with self.assertRaisesRegex(ext_athena.QueryError, "^NOT_SUPPORTED: date format specifier %X"):
            run_local("SELECT date_format(DATE '2025-01-01', '%X')")


class Pieces(unittest.TestCase):
    """The SerDe, type and projection pieces on their own."""

    def test_hive_types(self) -> None:
        t = ext_athena.parse_hive_type("struct<caseId:string,cc:array<string>,m:map<string,bigint>,d:decimal(10,2)>")
        self.assertEqual(ext_athena.duckdb_type(t),
                         'STRUCT("caseid" VARCHAR, "cc" VARCHAR[], "m" MAP(VARCHAR, BIGINT), "d" DECIMAL(10, 2))')
        with self.assertRaises(ext_athena.QueryError):
            ext_athena.parse_hive_type("struct<a:string")

    def test_json_values_as_hive_reads_them(self) -> None:
        t = ext_athena.parse_hive_type("struct<caseid:string,n:bigint,flag:boolean,raw:string>")
        self.assertEqual(ext_athena.coerce({"CaseId": "c", "N": "42", "flag": True, "raw": {"x": [1]}}, t, "detail"),
                         {"caseid": "c", "n": 42, "flag": True, "raw": '{"x":[1]}'})
        with self.assertRaisesRegex(ext_athena.QueryError, "^HIVE_BAD_DATA"):
            ext_athena.coerce({"n": "many"}, t, "detail")

    def test_every_type_and_its_errors_name_the_field(self) -> None:
        t = ext_athena.parse_hive_type("struct<s:string,i:int,d:double,m:decimal(5,2),b:boolean,ts:timestamp,"
                                       "a:array<bigint>,kv:map<string,double>,inner:struct<x:smallint>>")
        row = {"S": 7, "I": " 12 ", "D": "2.5", "M": "1.25", "B": "TRUE", "TS": "", "A": [1, 2.0, "3"],
               "KV": {"k": 1}, "Inner": {"X": None}}
        self.assertEqual(ext_athena.coerce(row, t, "c"),
                         {"s": "7", "i": 12, "d": 2.5, "m": "1.25", "b": True, "ts": None, "a": [1, 2, 3],
                          "kv": {"k": 1}, "inner": {"x": None}})
        self.assertEqual(ext_athena.coerce({"s": False, "i": "", "b": "yes"}, t, "c"),
                         {"s": "false", "i": None, "d": None, "m": None, "b": False, "ts": None, "a": None,
                          "kv": None, "inner": None})
        for value, message in [
            ({"i": True}, "Error parsing field value 'True' for field c.i: not a number"),
            ({"d": "x"}, 'Error parsing field value \'x\' for field c.d: For input string: "x"'),
            ({"a": [1, "two"]}, 'for field c.a: For input string: "two"'),
            ({"a": 5}, "field c.a: expected a JSON array, got 5"),
            ({"inner": {"x": 1.5}}, "for field c.inner.x"),
            ({"inner": "x"}, 'field c.inner: expected a JSON object, got "x"'),
        ]:
            with self.assertRaises(ext_athena.QueryError) as caught:
                ext_athena.coerce(value, t, "c")
            self.assertEqual(caught.exception.error_type, "HIVE_BAD_DATA")
            self.assertIn(message, str(caught.exception))

    def test_opencsv_lines(self) -> None:
        split = ext_athena.opencsv_fields
        self.assertEqual(split('1,"Web, ""prod""",a\\"b,x"y,', ",", '"', "\\"), ["1", 'Web, "prod"', 'a"b', 'x"y', ""])
        self.assertEqual(split('"a\\\\b"', ",", '"', "\\"), ["a\\b"])

    def test_date_projection_range_and_interval(self) -> None:
        table = ext_athena.Table("db", "t", [], [("day", ext_athena.parse_hive_type("string"))], "s3://b/p/", "", {}, {
            "projection.day.type": "date", "projection.day.format": "yyyy/MM/dd",
            "projection.day.range": "2021/01/01,NOW-1DAYS", "projection.day.interval": "2",
            "projection.day.interval.unit": "DAYS"})
        now = ext_athena.datetime.datetime(2025, 1, 10)
        (key,) = ext_athena.projections(table, now)
        self.assertTrue(key.accept("2021/01/03"))
        self.assertFalse(key.accept("2021/01/02"))  # between two steps of 2 days
        self.assertFalse(key.accept("2020/12/31"))
        self.assertFalse(key.accept("2025/01/10"))  # after NOW-1DAYS
        self.assertFalse(key.accept("2025/1/3"))

    def test_parameter_literals(self) -> None:
        parse = ext_athena.parse_parameter
        self.assertEqual(parse("'it''s'"), "it's")
        self.assertEqual((parse("42"), parse("true"), parse("NULL")), (42, True, None))
        for bad in ("'a' || 'b'", "'open", "x", "1; DROP TABLE t"):
            with self.subTest(bad), self.assertRaises(ext_athena.QueryError):
                parse(bad)

    def test_rendering(self) -> None:
        render = ext_athena.render
        self.assertEqual([render(v) for v in (0.1, 2.0, 1e7, 1.5e-4, -3.25e20)], ["0.1", "2.0", "1.0E7", "1.5E-4", "-3.25E20"])
        self.assertEqual(render({"a": [1, None], "b": {"k": "v"}}), "{a=[1, null], b={k=v}}")
        self.assertIsNone(render(None))


class JsonReaders(unittest.TestCase):
    """DuckDB's JSON reader must give exactly the rows of the Python SerDe (the reference), or decline
    and load nothing so that the reference reads the data. A table has no row order (Athena's has none
    either, and the engine's threads join the partitions in any order), so rows are compared sorted."""

    TYPE = "struct<caseid:string,cc:array<string>,inner:struct<x:string,y:array<string>>>"

    def setUp(self) -> None:
        import tempfile

        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def table(self, **serde_params: str) -> Any:
        string = ext_athena.parse_hive_type("string")
        return ext_athena.Table(
            database="db", name="t",
            columns=[("id", string), ("detail-type", string), ("x.y", string),
                     ("tags", ext_athena.parse_hive_type("array<string>")),
                     ("detail", ext_athena.parse_hive_type(self.TYPE))],
            partition_keys=[("day", string), ("n", ext_athena.parse_hive_type("int"))],
            location="s3://b/p/", serde="org.openx.data.jsonserde.JsonSerDe",
            serde_params=serde_params, params={})

    def load(self, table: Any, objects: list[tuple[dict[str, Any], bytes]], fast: bool) -> tuple[bool, list[tuple]]:
        conn = ext_athena.new_connection()
        self.addCleanup(conn.close)
        columns = ", ".join(f"{ext_athena.quote_ident(n)} {ext_athena.duckdb_type(t)}" for n, t in table.all_columns)
        conn.execute(f"CREATE TABLE t ({columns})")
        listed = [(fixed, f"s3://b/{i}", data) for i, (fixed, data) in enumerate(objects)]
        stem = os.path.join(self.dir.name, f"{'fast' if fast else 'ref'}{len(os.listdir(self.dir.name))}")
        if fast:
            files = ext_athena._raw_files(stem, listed)
            loaded = files is not None and ext_athena._json_in_duckdb(conn, table, "t", *files)
        else:
            ext_athena._load_with_serde(None, conn, table, "t", listed, stem + ".json")
            loaded = True
        return loaded, conn.execute('SELECT * FROM t ORDER BY id, "day"').fetchall()

    def test_the_store_s_shapes_read_alike(self) -> None:
        day1, day2 = {"day": "2025/01/01", "n": 1}, {"day": "2025/01/02", "n": 2}
        first = (b'{"Id":"a","detail-type":"heidi.support","x.y":"dot","Tags":["t1",null],'
                 b'"Detail":{"CaseId":"c-1","CC":["q@example.com"],"Inner":{"X":"\\u00e9 \\"quoted\\" <b>","Y":[]}}}\r\n'
                 b'\n   \n'
                 b'{"Id":"b","Detail":null,"Tags":null,"extra":{"ignored":[1,2]}}\n')
        second = ('{"Id":"c","Detail":{"CaseId":null,"Inner":null}}\n'
                  '{"Id":"d\u00fc\u65e5","Detail":{"CaseId":"c-4","CC":[],"Inner":{"X":null}},"Tags":[]}').encode()
        third = b'{"Id":"e","detail-type":null}'
        objects = [(day1, first), (day1, second), (day2, third)]
        table = self.table()
        loaded, fast = self.load(table, objects, fast=True)
        self.assertTrue(loaded)
        _, reference = self.load(table, objects, fast=False)
        self.assertEqual(fast, reference)
        self.assertEqual([r[0] for r in fast], ["a", "b", "c", "d\u00fc\u65e5", "e"])
        self.assertEqual(fast[0][4], {"caseid": "c-1", "cc": ["q@example.com"],
                                      "inner": {"x": '\u00e9 "quoted" <b>', "y": []}})
        self.assertEqual((fast[0][5], fast[0][6], fast[4][5], fast[4][6]), ("2025/01/01", 1, "2025/01/02", 2))

    def test_what_only_the_reference_reads_is_declined(self) -> None:
        day = {"day": "2025/01/01", "n": 1}
        ok = b'{"id":"a","detail":{"caseId":"c"}}\n'
        cases = {
            "a number in a string column": b'{"id":7}\n',
            "an object in a string column": b'{"id":{"a":1}}\n',
            "two spellings of one key": b'{"Id":"b"}\n',
            "one object spelling a key twice": b'{"id":"b","ID":"c"}\n',
            "one object repeating a key": b'{"id":"b","id":"c"}\n',
            "a nested object repeating a key": b'{"detail":{"caseid":"b","caseid":"c"}}\n',
            "a number in an array of strings": b'{"tags":["x",2]}\n',
            "a string where a struct is": b'{"detail":"x"}\n',
            "an array where an array of strings is not": b'{"detail":{"cc":"x"}}\n',
            "a line that is not an object": b'["a"]\n',
            "two objects on one line": b'{"id":"x"}{"id":"y"}\n',
            "a nested spelling twice": b'{"detail":{"CASEID":"d"}}\n',
        }
        table = self.table()
        for what, data in cases.items():
            with self.subTest(what):
                loaded, rows = self.load(table, [(day, ok), (day, data)], fast=True)
                self.assertFalse(loaded)
                self.assertEqual(rows, [])
        # Not UTF-8: the reference reads it with replacement characters.
        self.assertIsNone(ext_athena._raw_files(os.path.join(self.dir.name, "bad"), [(day, "s3://b/x", b'{"id":"\xff"}\n')]))
        for params in ({"mapping.id": "other"}, {"case.insensitive": "false"}, {"ignore.malformed.json": "true"}):
            with self.subTest(params):
                self.assertFalse(ext_athena._fast_json_table(self.table(**params)))
        self.assertTrue(ext_athena._fast_json_table(self.table()))
        numbers = self.table()
        numbers.columns = numbers.columns + [("count", ext_athena.parse_hive_type("bigint"))]
        self.assertFalse(ext_athena._fast_json_table(numbers))


class DefinitionsMatchTheModule(unittest.TestCase):
    def test_tables_here_are_the_ones_storage_tf_defines(self) -> None:
        """If storage.tf changes the tables, these tests must follow it."""
        with open(os.path.join(REPO_ROOT, "modules", "cima-central", "storage.tf"), encoding="utf-8") as f:
            storage = f.read()
        self.assertIn(f'type = "{DETAIL_TYPE}"', storage)
        for key, value in SUPPORTCASEEVENTS["Parameters"].items():
            if key == "storage.location.template":
                continue
            expected = "var.enriched_source" if value == SOURCE else f'"{value}"'
            self.assertRegex(storage, rf'"?{re.escape(key)}"?\s*=\s*{re.escape(expected)}')
        self.assertIn('"storage.location.template"             = "s3://${local.data_bucket}/${local.data_prefix}/$${source_partition}/$${date_created}/"', storage)
        for serde in ("org.openx.data.jsonserde.JsonSerDe", "org.apache.hadoop.hive.serde2.OpenCSVSerde"):
            self.assertIn(f'serialization_library = "{serde}"', storage)
        self.assertIn('"skip.header.line.count" = "1"', storage)
        columns = re.findall(r'\{ name = "([^"]+)", type = "([^"]+)" \}', storage)
        self.assertEqual(columns, [(c["Name"], c["Type"]) for c in SUPPORTCASEEVENTS["StorageDescriptor"]["Columns"]])
