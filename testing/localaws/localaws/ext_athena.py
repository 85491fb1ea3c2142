"""Athena in moto 5.2.1 that executes queries, with DuckDB over moto's own S3 and Glue.

Stock moto 5.2.1 answers StartQueryExecution / GetQueryExecution / GetQueryResults with canned
results (an empty result unless a test queued one). With this module a query really runs:

* Tables come from moto's Glue catalog of the calling account and region: columns with Hive types
  (string, varchar, char, bigint, int, smallint, tinyint, double, float, decimal, boolean, date,
  timestamp, array<>, map<>, struct<>), partition keys, `StorageDescriptor.Location`, the SerDe.
  `org.openx.data.jsonserde.JsonSerDe` reads newline-delimited JSON whose keys match columns and
  struct fields case-insensitively, as Hive does; `org.apache.hadoop.hive.serde2.OpenCSVSerde`
  reads CSV with its separatorChar/quoteChar/escapeChar and `skip.header.line.count`.
* Partitions come from partition projection (`projection.enabled`, types date, enum and
  integer, `storage.location.template`) or else from the table's Glue partitions. Predicates of a
  query on partition keys decide which partitions are read, so objects of other partitions are
  never read (see `pruned_partitions`).
* Objects are read from moto's S3 backend in this process (the account of the Athena call),
  turned into typed rows and loaded into a fresh in-memory DuckDB database per query, which is
  then locked (no file system, network or extension access) before the query text runs. JSON
  whose columns are strings, arrays of strings and structs of these, with one spelling per key
  and every value of its column's kind, is read by DuckDB's JSON reader; anything else by the
  Python SerDe (`json_rows`), which is the reference: both give the same rows.
* The SQL is Athena's (Trino's) text. Only the Trino functions DuckDB lacks or computes
  differently are rewritten, in DuckDB's own parse tree: `TRINO_FUNCTIONS` is the whole list.
  `?` placeholders are bound to `ExecutionParameters` (Athena's literal forms: `'text'` with ''
  for a quote, numbers, true/false, NULL, DATE '...', TIMESTAMP '...') as prepared-statement
  parameters, never pasted into the text.
* Queries run on a small pool of worker threads, QUEUED -> RUNNING -> SUCCEEDED / FAILED /
  CANCELLED, each bounded by a timeout. The CSV result goes to
  `<output location>/<QueryExecutionId>.csv` in moto's S3 as Athena writes it; GetQueryResults
  pages the rows (header row first, MaxResults <= 1000, NextToken) with Athena's rendering.

Control endpoints (POST, JSON):

* `/_localaws/athena/execution` {"query_execution_id", "wait"? (seconds, <= 300)}: waits until the
  query is no longer QUEUED or RUNNING (or the wait is over), then answers {"state", "error",
  "objects_read" (s3:// URLs in read order), "bytes_scanned", "sql" (the text DuckDB ran),
  "readers" (per table read, "duckdb" when DuckDB's JSON reader turned its objects into rows,
  "serde" when the Python SerDe did),
  "timings_ms" ({"queued", "running"} and the running time by phase: "list" (the partitions' S3
  listing), "read" (objects read, and turned into rows when the Python SerDe does it),
  "ingest" (the rows into DuckDB; the whole parse when DuckDB's JSON reader does it), "query", "render" (values as Athena prints them), "write" (the result file), "other"
  (the rest: parsing and rewriting the SQL, the catalog, pruning); and, once it succeeded, "cpu":
  the worker thread's CPU time (DuckDB's second thread not counted))}.
* `/_localaws/athena/settings` {"timeout"? (seconds per query, 0.05 to 3600)}: answers the settings.

`/moto-api/reset` forgets executions and restores the settings; queued queries are dropped.
"""

from __future__ import annotations

import base64
import copy
import datetime
import decimal
import functools
import gzip
import io
import json
import math
import queue
import re
import struct
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from moto.athena import models as athena_models
from moto.athena import responses as athena_responses
from moto.glue.models import glue_backends
from moto.moto_api._internal import models as moto_api_models
from moto.s3.models import FakeDeleteMarker, s3_backends
from moto.utilities.utils import get_partition

from localaws import require_moto

WORKERS = 2
MAX_QUEUED = 200
DEFAULT_TIMEOUT = 120.0
MIN_TIMEOUT, MAX_TIMEOUT = 0.05, 3600.0
MAX_WAIT = 300.0
MAX_PAGE = 1000
CATALOG = "awsdatacatalog"
# Fixed for every query: DuckDB's defaults differ from Trino's where these name them.
SESSION_SETTINGS = (
    ("autoinstall_known_extensions", False),
    ("autoload_known_extensions", False),
    ("allow_community_extensions", False),
    ("TimeZone", "UTC"),
    # Two: DuckDB reads a table's objects (and parses their JSON) on both of a small machine's cores.
    ("threads", 2),
    ("memory_limit", "1GB"),
    # Trino divides integers as integers (7 / 2 = 3) and puts NULLs last in either direction.
    ("integer_division", True),
    ("default_null_order", "nulls_last"),
)
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
_UNNAMED = "__localaws_unnamed_"
_ARG = "__localaws_arg"

_installed = False
_lock = threading.Lock()
_runs: dict[str, "QueryRun"] = {}
_settings = {"timeout": DEFAULT_TIMEOUT}
_generation = [0]
_queue: "queue.Queue[QueryRun]" = queue.Queue(MAX_QUEUED)
_workers: list[threading.Thread] = []


class QueryError(Exception):
    """A query failure as Athena reports it: `<TYPE>: <message>` in StateChangeReason."""

    def __init__(self, error_type: str, message: str, user: bool = True):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.user = user


class Cancelled(Exception):
    """The query was stopped: by StopQueryExecution, a reset, or the workgroup's bytes cutoff."""

    def __init__(self, reason: str = "Query was cancelled by user"):
        super().__init__(reason)
        self.reason = reason


# --- Hive types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiveType:
    kind: str  # string, bigint, ..., array, map, struct, decimal
    args: tuple[Any, ...] = ()  # element type; key and value types; (precision, scale)
    fields: tuple[tuple[str, "HiveType"], ...] = ()

    def is_string(self) -> bool:
        return self.kind in ("string", "varchar", "char")


_SCALARS = {
    "string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER",
    "integer": "INTEGER", "smallint": "SMALLINT", "tinyint": "TINYINT", "double": "DOUBLE",
    "float": "FLOAT", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP", "binary": "BLOB",
}
_INTEGERS = ("bigint", "int", "integer", "smallint", "tinyint")


def parse_hive_type(text: str) -> HiveType:
    """`struct<caseid:string,cc:array<string>>` and friends, as Glue stores column types."""
    tokens = re.findall(r"[A-Za-z_][\w$-]*|\d+|[<>(),:]", text)
    if "".join(tokens) != re.sub(r"\s+", "", text):
        raise QueryError("HIVE_INVALID_METADATA", f"unsupported column type {text!r}")
    pos = [0]

    def take(expected: str | None = None) -> str:
        if pos[0] >= len(tokens):
            raise QueryError("HIVE_INVALID_METADATA", f"column type {text!r} ends early")
        token = tokens[pos[0]]
        if expected is not None and token.lower() != expected:
            raise QueryError("HIVE_INVALID_METADATA", f"expected {expected!r} in column type {text!r}")
        pos[0] += 1
        return token

    def peek() -> str | None:
        return tokens[pos[0]] if pos[0] < len(tokens) else None

    def one() -> HiveType:
        name = take().lower()
        if name == "array":
            take("<")
            element = one()
            take(">")
            return HiveType("array", (element,))
        if name == "map":
            take("<")
            key = one()
            take(",")
            value = one()
            take(">")
            return HiveType("map", (key, value))
        if name == "struct":
            take("<")
            fields: list[tuple[str, HiveType]] = []
            while peek() != ">":
                if fields:
                    take(",")
                field_name = take().lower()
                take(":")
                fields.append((field_name, one()))
            take(">")
            return HiveType("struct", fields=tuple(fields))
        if name == "decimal":
            precision, scale = 10, 0
            if peek() == "(":
                take("(")
                precision = int(take())
                if peek() == ",":
                    take(",")
                    scale = int(take())
                take(")")
            return HiveType("decimal", (precision, scale))
        if name in ("varchar", "char") and peek() == "(":
            take("(")
            take()  # the length: Hive truncates, Athena reads these as varchar
            take(")")
        if name not in _SCALARS:
            raise QueryError("HIVE_INVALID_METADATA", f"unsupported column type {text!r}")
        return HiveType(name)

    result = one()
    if pos[0] != len(tokens):
        raise QueryError("HIVE_INVALID_METADATA", f"unsupported column type {text!r}")
    return result


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_type(t: HiveType) -> str:
    if t.kind == "array":
        return duckdb_type(t.args[0]) + "[]"
    if t.kind == "map":
        return f"MAP({duckdb_type(t.args[0])}, {duckdb_type(t.args[1])})"
    if t.kind == "struct":
        return "STRUCT(" + ", ".join(f"{quote_ident(n)} {duckdb_type(f)}" for n, f in t.fields) + ")"
    if t.kind == "decimal":
        return f"DECIMAL({t.args[0]}, {t.args[1]})"
    return _SCALARS[t.kind]


# --- SerDes: object text -> rows of plain values --------------------------------------------


def _bad(what: str) -> QueryError:
    return QueryError("HIVE_BAD_DATA", what)


def coerce(value: Any, t: HiveType, where: str) -> Any:
    """A parsed JSON (or CSV text) value as Hive reads it into a column of type t."""
    return coercer(t, where)(value)


@functools.lru_cache(maxsize=4096)
def coercer(t: HiveType, where: str) -> Callable[[Any], Any]:
    """`coerce` for one column type and place, built once: the SerDes call it for every value of
    every row, so the type's branches are chosen here rather than per value."""
    if t.is_string():
        def string(value: Any) -> Any:
            if value is None or isinstance(value, str):
                return value
            if isinstance(value, bool):
                return "true" if value else "false"
            # Numbers keep their JSON text; objects and arrays become their JSON text, as the SerDe does.
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return string
    if t.kind in _INTEGERS:
        def integer(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, bool):
                raise _bad(f"Error parsing field value '{value}' for field {where}: not a number")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                if value.strip() == "":
                    return None
                if re.fullmatch(r"\s*[-+]?\d+\s*", value):
                    return int(value)
            raise _bad(f"Error parsing field value '{value}' for field {where}: For input string: \"{value}\"")
        return integer
    if t.kind in ("double", "float", "decimal"):
        def number(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, bool):
                raise _bad(f"Error parsing field value '{value}' for field {where}: not a number")
            if isinstance(value, (int, float)):
                return value
            if isinstance(value, str):
                if value.strip() == "":
                    return None
                try:
                    return float(value) if t.kind != "decimal" else str(decimal.Decimal(value.strip()))
                except (ValueError, decimal.InvalidOperation):
                    pass
            raise _bad(f"Error parsing field value '{value}' for field {where}: For input string: \"{value}\"")
        return number
    if t.kind == "boolean":
        def boolean(value: Any) -> Any:
            if value is None or isinstance(value, bool):
                return value
            # Boolean.valueOf: only "true" (any case) is true.
            return str(value).strip().lower() == "true"
        return boolean
    if t.kind in ("date", "timestamp"):
        def moment(value: Any) -> Any:
            if value is None:
                return None
            text = value if isinstance(value, str) else str(value)
            return text if text.strip() else None
        return moment
    if t.kind == "binary":
        return lambda value: None if value is None else str(value)
    if t.kind == "array":
        element = coercer(t.args[0], where)

        def array(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, list):
                raise _bad(f"field {where}: expected a JSON array, got {json.dumps(value)[:80]}")
            return [element(v) for v in value]
        return array
    if t.kind == "map":
        key_of, value_of = coercer(t.args[0], where), coercer(t.args[1], where)

        def mapping(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, dict):
                raise _bad(f"field {where}: expected a JSON object, got {json.dumps(value)[:80]}")
            return {str(key_of(k)): value_of(v) for k, v in value.items()}
        return mapping
    if t.kind == "struct":
        fields = tuple((name, coercer(ft, f"{where}.{name}")) for name, ft in t.fields)

        def struct(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, dict):
                raise _bad(f"field {where}: expected a JSON object, got {json.dumps(value)[:80]}")
            lowered = {str(k).lower(): v for k, v in value.items()}
            return {name: field_of(lowered.get(name)) for name, field_of in fields}
        return struct

    def unsupported(value: Any) -> Any:
        if value is None:
            return None
        raise _bad(f"field {where}: unsupported type {t.kind}")
    return unsupported


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last record; it does not start another
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def json_rows(data: bytes, table: "Table", source: str) -> Iterator[dict[str, Any]]:
    """org.openx.data.jsonserde.JsonSerDe: one JSON object per line; keys match columns
    case-insensitively (unless case.insensitive=false), `mapping.<column>` names another key."""
    params = {k.lower(): v for k, v in table.serde_params.items()}
    insensitive = params.get("case.insensitive", "true").lower() != "false"
    ignore_malformed = params.get("ignore.malformed.json", "false").lower() == "true"
    mapping = {k[len("mapping."):]: v for k, v in params.items() if k.startswith("mapping.")}
    columns = []
    for name, t in table.columns:
        key = mapping.get(name, name)
        columns.append((name, key.lower() if insensitive else key, coercer(t, name)))
    for number, line in enumerate(_lines(data), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("a JSON object must begin with '{'")
        except ValueError as err:
            if ignore_malformed:
                yield {name: None for name, _ in table.columns}
                continue
            raise QueryError("HIVE_CURSOR_ERROR",
                             f"Row is not a valid JSON Object - JSONException: {err} "
                             f"(line {number} of {source})") from None
        keys = {(str(k).lower() if insensitive else str(k)): v for k, v in obj.items()}
        yield {name: convert(keys.get(key)) for name, key, convert in columns}


def opencsv_fields(line: str, sep: str, quote: str, escape: str) -> list[str]:
    """One line split the way OpenCSVSerde's parser does: quotes group (a doubled quote inside
    quotes is one quote), the escape character takes the next quote or escape literally and is
    itself dropped, a quote in the middle of an unquoted field is kept as text."""
    fields: list[str] = []
    current: list[str] = []
    in_quotes = False
    started = False  # the field has text or an opening quote
    i = 0
    while i < len(line):
        c = line[i]
        nxt = line[i + 1] if i + 1 < len(line) else ""
        if c == escape and escape != quote:
            if nxt in (quote, escape) and nxt:
                current.append(nxt)
                i += 1
            started = True
        elif c == quote:
            if in_quotes and nxt == quote:
                current.append(quote)
                i += 1
            elif in_quotes:
                in_quotes = False
            elif not started:
                in_quotes = True
                started = True
            else:
                current.append(c)
        elif c == sep and not in_quotes:
            fields.append("".join(current))
            current, started = [], False
        else:
            current.append(c)
            started = True
        i += 1
    fields.append("".join(current))
    return fields


def csv_rows(data: bytes, table: "Table", source: str) -> Iterator[dict[str, Any]]:
    """org.apache.hadoop.hive.serde2.OpenCSVSerde: every line one row (Hive splits lines before
    the SerDe sees them), header/footer lines skipped per object, missing fields NULL."""
    params = table.serde_params
    sep = params.get("separatorChar", ",") or ","
    quote = params.get("quoteChar", '"') or '"'
    escape = params.get("escapeChar", "\\") or "\\"
    lines = _lines(data)
    header = _count_param(table.params, "skip.header.line.count")
    footer = _count_param(table.params, "skip.footer.line.count")
    lines = lines[header:len(lines) - footer if footer else None]
    for line in lines:
        values = opencsv_fields(line, sep, quote, escape)
        row = {}
        for i, (name, t) in enumerate(table.columns):
            text = values[i] if i < len(values) else None
            row[name] = text if t.is_string() or text is None else coerce(text, t, name)
        yield row


def _count_param(params: dict[str, str], name: str) -> int:
    value = params.get(name, "0") or "0"
    if not value.strip().isdigit():
        raise QueryError("HIVE_INVALID_METADATA", f"{name} must be a count, not {value!r}")
    return int(value)


SERDES: dict[str, Callable[[bytes, "Table", str], Iterator[dict[str, Any]]]] = {
    "org.openx.data.jsonserde.JsonSerDe": json_rows,
    "org.apache.hive.hcatalog.data.JsonSerDe": json_rows,
    "org.apache.hadoop.hive.serde2.OpenCSVSerde": csv_rows,
}


# --- Glue tables and their partitions --------------------------------------------------------


@dataclass
class Table:
    database: str
    name: str
    columns: list[tuple[str, HiveType]]
    partition_keys: list[tuple[str, HiveType]]
    location: str
    serde: str
    serde_params: dict[str, str]
    params: dict[str, str]
    glue_partitions: list[tuple[list[str], str]] = field(default_factory=list)

    @property
    def all_columns(self) -> list[tuple[str, HiveType]]:
        return self.columns + self.partition_keys


def table_from_glue(database: str, definition: dict[str, Any], glue_partitions: list[dict[str, Any]]) -> Table:
    sd = definition.get("StorageDescriptor") or {}
    serde = sd.get("SerdeInfo") or {}
    return Table(
        database=database.lower(),
        name=definition["Name"].lower(),
        columns=[(c["Name"].lower(), parse_hive_type(c["Type"])) for c in sd.get("Columns") or []],
        partition_keys=[(c["Name"].lower(), parse_hive_type(c["Type"])) for c in definition.get("PartitionKeys") or []],
        location=sd.get("Location") or "",
        serde=serde.get("SerializationLibrary") or "",
        serde_params=dict(serde.get("Parameters") or {}),
        params=dict(definition.get("Parameters") or {}),
        glue_partitions=[(list(p.get("Values") or []), ((p.get("StorageDescriptor") or {}).get("Location") or ""))
                         for p in glue_partitions],
    )


def find_table(account: str, region: str, database: str, name: str) -> Table | None:
    """The Glue table database.name of this account and region (names case-insensitive)."""
    backend = glue_backends[account][region]
    db = next((d for n, d in list(backend.databases.items()) if n.lower() == database.lower()), None)
    if db is None:
        return None
    table = next((t for n, t in list(db.tables.items()) if n.lower() == name.lower()), None)
    if table is None:
        return None
    partitions = [p.partition_input for p in list(table.partitions.values())]
    return table_from_glue(db.name, table.as_dict(), partitions)


# Java DateTimeFormatter letters a projection format may use, as regex and strptime pieces.
_DATE_LETTERS = {"yyyy": (r"\d{4}", "%Y"), "MM": (r"\d{2}", "%m"), "dd": (r"\d{2}", "%d"),
                 "HH": (r"\d{2}", "%H"), "mm": (r"\d{2}", "%M"), "ss": (r"\d{2}", "%S")}
_UNITS = {"YEARS": "years", "MONTHS": "months", "WEEKS": "weeks", "DAYS": "days", "HOURS": "hours",
          "MINUTES": "minutes", "SECONDS": "seconds"}


def _date_format(fmt: str) -> tuple[str, str]:
    regex, strp, i = "", "", 0
    while i < len(fmt):
        if fmt[i] == "'":
            end = fmt.index("'", i + 1)
            regex += re.escape(fmt[i + 1:end])
            strp += fmt[i + 1:end].replace("%", "%%")
            i = end + 1
            continue
        for letters, (rx, sp) in _DATE_LETTERS.items():
            if fmt.startswith(letters, i):
                regex, strp, i = regex + rx, strp + sp, i + len(letters)
                break
        else:
            if fmt[i].isalpha():
                raise QueryError("HIVE_INVALID_METADATA", f"projection date format {fmt!r}: only "
                                 + ", ".join(_DATE_LETTERS) + " are supported locally")
            regex, strp, i = regex + re.escape(fmt[i]), strp + fmt[i].replace("%", "%%"), i + 1
    return regex, strp


def _shift(when: datetime.datetime, amount: int, unit: str) -> datetime.datetime:
    if unit in ("years", "months"):
        months = when.month - 1 + amount * (12 if unit == "years" else 1)
        year, month = when.year + months // 12, months % 12 + 1
        return when.replace(year=year, month=month, day=min(when.day, _month_days(year, month)))
    return when + datetime.timedelta(**{unit: amount})


def _month_days(year: int, month: int) -> int:
    nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - datetime.timedelta(days=1)).day


@dataclass
class KeyProjection:
    """One partition key's projection: the path text it matches and which values exist."""

    name: str
    regex: str
    accept: Callable[[str], bool]


def projections(table: Table, now: datetime.datetime) -> list[KeyProjection]:
    params = table.params
    result = []
    for name, _t in table.partition_keys:
        kind = params.get(f"projection.{name}.type", "").lower()
        if kind == "enum":
            values = [v.strip() for v in params.get(f"projection.{name}.values", "").split(",") if v.strip()]
            result.append(KeyProjection(name, "|".join(re.escape(v) for v in values) or "(?!)",
                                        lambda v, values=values: v in values))
        elif kind == "integer":
            low, high = (int(x) for x in params[f"projection.{name}.range"].split(","))
            result.append(KeyProjection(name, r"-?\d+", lambda v, lo=low, hi=high: lo <= int(v) <= hi))
        elif kind == "date":
            fmt = params.get(f"projection.{name}.format", "")
            regex, strp = _date_format(fmt)
            bounds = [_date_bound(b.strip(), strp, now) for b in params.get(f"projection.{name}.range", "").split(",")]
            if len(bounds) != 2:
                raise QueryError("HIVE_INVALID_METADATA", f"projection.{name}.range needs two bounds")
            interval = int(params.get(f"projection.{name}.interval", "1"))
            unit = _UNITS.get(params.get(f"projection.{name}.interval.unit", "DAYS").upper(), "days")
            result.append(KeyProjection(name, regex, _date_accept(strp, bounds[0], bounds[1], interval, unit)))
        elif kind == "injected":
            raise QueryError("NOT_SUPPORTED", f"projection type injected (key {name}) is not supported locally")
        else:
            raise QueryError("HIVE_INVALID_METADATA", f"partition key {name} has no projection type")
    return result


def _date_bound(text: str, strp: str, now: datetime.datetime) -> datetime.datetime:
    relative = re.fullmatch(r"NOW(?:\s*([+-])\s*(\d+)\s*([A-Za-z]+))?", text, re.IGNORECASE)
    if relative:
        if not relative.group(1):
            return now
        unit = _UNITS.get(relative.group(3).upper()) or _UNITS.get(relative.group(3).upper() + "S")
        if unit is None:
            raise QueryError("HIVE_INVALID_METADATA", f"projection range {text!r}: unknown unit")
        sign = 1 if relative.group(1) == "+" else -1
        return _shift(now, sign * int(relative.group(2)), unit)
    try:
        return datetime.datetime.strptime(text, strp)
    except ValueError:
        raise QueryError("HIVE_INVALID_METADATA", f"projection range bound {text!r} does not match its format") from None


def _date_accept(strp: str, low: datetime.datetime, high: datetime.datetime, interval: int, unit: str) -> Callable[[str], bool]:
    def accept(value: str) -> bool:
        try:
            when = datetime.datetime.strptime(value, strp)
        except ValueError:
            return False
        if not low <= when <= high:
            return False
        if unit in ("years", "months"):
            steps = (when.year - low.year) * 12 + when.month - low.month
            per = interval * (12 if unit == "years" else 1)
            return steps % per == 0 and _shift(low, steps, "months") == when
        span = (when - low) / datetime.timedelta(**{unit: 1})
        return span == int(span) and int(span) % interval == 0

    return accept


def _split_s3(url: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3a?n?://([^/]+)/?(.*)", url)
    if not match:
        raise QueryError("HIVE_INVALID_METADATA", f"location {url!r} is not an s3:// URL")
    return match.group(1), match.group(2)


def _dir(prefix: str) -> str:
    return prefix if prefix == "" or prefix.endswith("/") else prefix + "/"


def _hidden(relative: str) -> bool:
    # Hadoop skips files (and folders) whose name starts with _ or . inside a table's location.
    return any(part.startswith(("_", ".")) for part in relative.split("/")) or relative.endswith("/") or not relative


@dataclass
class Partition:
    values: tuple[str, ...]  # one per partition key, as text
    objects: list[tuple[str, str]]  # (bucket, key)


def list_partitions(table: Table, account: str, partition: str, now: datetime.datetime) -> list[Partition]:
    """Every partition that exists (has objects) with its objects, found by listing S3 only:
    nothing is read here."""
    s3 = s3_backends[account][partition]

    def keys_under(bucket: str, prefix: str) -> list[str]:
        found = s3.buckets.get(bucket)
        if found is None:
            raise QueryError("HIVE_CANNOT_OPEN_SPLIT", f"The specified bucket does not exist: {bucket}")
        return sorted(name for name, key in found.keys.items()
                      if name.startswith(prefix) and not isinstance(key, FakeDeleteMarker))

    if not table.partition_keys:
        bucket, prefix = _split_s3(table.location)
        prefix = _dir(prefix)
        return [Partition((), [(bucket, k) for k in keys_under(bucket, prefix) if not _hidden(k[len(prefix):])])]

    if table.params.get("projection.enabled", "").lower() == "true":
        keys = projections(table, now)
        template = table.params.get("storage.location.template") or (
            _dir(table.location) + "/".join(f"{k.name}=${{{k.name}}}" for k in keys))
        bucket, path = _split_s3(_dir(template))
        static = path.split("${", 1)[0]
        pattern, names = "", []
        for piece in re.split(r"(\$\{[^}]+\})", path):
            if piece.startswith("${"):
                name = piece[2:-1].lower()
                key = next((k for k in keys if k.name == name), None)
                if key is None:
                    raise QueryError("HIVE_INVALID_METADATA", f"storage.location.template names unknown key {name}")
                group = f"k{len(names)}"
                pattern += f"(?P<{group}>{key.regex})"
                names.append((group, key))
            else:
                pattern += re.escape(piece)
        matcher = re.compile(pattern)
        found: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for name in keys_under(bucket, static):
            match = matcher.match(name)
            if not match or _hidden(name[match.end():]):
                continue
            by_key = {key.name: match.group(group) for group, key in names}
            if not all(key.accept(by_key[key.name]) for _g, key in names):
                continue
            values = tuple(by_key[k] for k, _t in table.partition_keys)
            found.setdefault(values, []).append((bucket, name))
        return [Partition(v, objs) for v, objs in sorted(found.items())]

    result = []
    for values, location in table.glue_partitions:
        bucket, prefix = _split_s3(location)
        prefix = _dir(prefix)
        objs = [(bucket, k) for k in keys_under(bucket, prefix) if not _hidden(k[len(prefix):])]
        result.append(Partition(tuple(values), objs))
    return result


# --- SQL: DuckDB's parse tree of the Trino text ----------------------------------------------


def new_connection(temp_dir: str | None = None) -> Any:
    import duckdb

    conn = duckdb.connect(":memory:")
    for name, value in SESSION_SETTINGS:
        conn.execute(f"SET {name} = {_setting_literal(value)}")
    if temp_dir:
        conn.execute(f"SET temp_directory = {_setting_literal(temp_dir)}")
    return conn


def _setting_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def lock_down(conn: Any) -> None:
    """From here on the query can reach neither files, nor the network, nor the settings."""
    conn.execute("SET enable_external_access = false")
    conn.execute("SET lock_configuration = true")


def parse_sql(conn: Any, sql: str) -> dict[str, Any]:
    """The statement's parse tree; a syntax error is Athena's SYNTAX_ERROR with DuckDB's words."""
    tree = json.loads(conn.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        message = tree.get("error_message", "cannot parse the query")
        if tree.get("error_type") == "parser":
            position = int(tree.get("position") or 0)
            line = sql.count("\n", 0, position) + 1
            column = position - (sql.rfind("\n", 0, position) + 1) + 1
            raise QueryError("SYNTAX_ERROR", f"line {line}:{column}: {message}")
        raise QueryError("NOT_SUPPORTED", "only SELECT queries are executed locally (and moto's "
                         f"CREATE/DROP DATABASE): {message}")
    statements = tree["statements"]
    if len(statements) != 1:
        raise QueryError("SYNTAX_ERROR", f"Only one sql statement is allowed. Got: {len(statements)}")
    # DuckDB parses SHOW / DESCRIBE / SUMMARIZE as a SELECT over its own catalog: not Athena's answer.
    if any(n.get("type") == "SHOW_REF" for n in walk(statements[0])):
        raise QueryError("NOT_SUPPORTED", "SHOW and DESCRIBE are not executed locally; read Glue instead")
    return statements[0]


def unparse(conn: Any, statement: dict[str, Any]) -> str:
    return conn.execute("SELECT json_deserialize_sql(?)",
                        [json.dumps({"error": False, "statements": [statement]})]).fetchone()[0]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in the tree, parents before children."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _expression(conn: Any, sql_expression: str) -> dict[str, Any]:
    return parse_sql(conn, f"SELECT {sql_expression}")["node"]["select_list"][0]


def _substitute(template: dict[str, Any], args: list[dict[str, Any]]) -> dict[str, Any]:
    """The template with column references __localaws_argN replaced by the call's arguments."""

    def go(item: Any) -> Any:
        if isinstance(item, dict):
            if item.get("class") == "COLUMN_REF" and item["column_names"][0].startswith(_ARG):
                return copy.deepcopy(args[int(item["column_names"][0][len(_ARG):])])
            return {k: go(v) for k, v in item.items()}
        if isinstance(item, list):
            return [go(v) for v in item]
        return item

    return go(template)


def _constant_text(node: dict[str, Any]) -> str | None:
    if node.get("class") == "CONSTANT":
        literal = node.get("literal") or {}
        if literal.get("kind") == "STRING":
            return literal.get("text")
        value = node.get("value") or {}
        if isinstance(value.get("value"), str):
            return value["value"]
    return None


# Trino date_format / date_parse specifiers (MySQL's) -> DuckDB strftime / strptime.
_MYSQL_FORMAT = {
    "a": "%a", "b": "%b", "c": "%-m", "d": "%d", "e": "%-d", "f": "%f", "H": "%H", "h": "%I",
    "I": "%I", "i": "%M", "j": "%j", "k": "%-H", "l": "%-I", "M": "%B", "m": "%m", "p": "%p",
    "r": "%I:%M:%S %p", "S": "%S", "s": "%S", "T": "%H:%M:%S", "W": "%A", "Y": "%Y", "y": "%y",
    "%": "%%",
}


def mysql_to_strftime(fmt: str) -> str:
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            spec = fmt[i + 1]
            if spec not in _MYSQL_FORMAT:
                raise QueryError("NOT_SUPPORTED", f"date format specifier %{spec} is not supported locally")
            out.append(_MYSQL_FORMAT[spec])
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Mapping:
    """A Trino function DuckDB lacks or computes differently, and what it becomes."""

    arity: tuple[int, ...]
    template: str  # a DuckDB expression over __localaws_arg0, __localaws_arg1, ...
    why: str
    constant_format: int | None = None  # argument that must be a literal format string


def _a(i: int) -> str:
    return f"{_ARG}{i}"


TRINO_FUNCTIONS: dict[str, Mapping] = {
    "from_iso8601_timestamp": Mapping((1,), f"CAST({_a(0)} AS TIMESTAMP WITH TIME ZONE)",
                                      "not in DuckDB; its cast reads ISO-8601 with a zone"),
    "from_iso8601_date": Mapping((1,), f"CAST({_a(0)} AS DATE)", "not in DuckDB"),
    "date_diff": Mapping((3,), f"date_sub({_a(0)}, {_a(1)}, {_a(2)})",
                         "DuckDB's date_diff counts boundaries crossed; Trino counts whole units, as date_sub does"),
    "date_format": Mapping((2,), f"strftime({_a(0)}, {_a(1)})", "MySQL-style format letters", constant_format=1),
    "date_parse": Mapping((2,), f"strptime({_a(0)}, {_a(1)})", "MySQL-style format letters", constant_format=1),
    "approx_percentile": Mapping((2,), f"quantile_disc({_a(0)}, {_a(1)})",
                                 "not in DuckDB; an exact percentile that is a value of the input"),
    "cardinality": Mapping((1,), f"CAST(cardinality({_a(0)}) AS BIGINT)",
                           "DuckDB answers UBIGINT; Trino bigint"),
    "array_join": Mapping((2,), f"array_to_string({_a(0)}, {_a(1)})", "not in DuckDB"),
    "regexp_like": Mapping((2,), f"regexp_matches({_a(0)}, {_a(1)})", "not in DuckDB"),
}


def rewrite_functions(conn: Any, statement: dict[str, Any]) -> list[str]:
    """Replaces every call of a TRINO_FUNCTIONS entry in place; returns the names rewritten."""
    rewritten: list[str] = []
    templates: dict[str, dict[str, Any]] = {}

    def go(item: Any) -> Any:
        if isinstance(item, list):
            return [go(v) for v in item]
        if not isinstance(item, dict):
            return item
        item = {k: go(v) for k, v in item.items()}  # arguments first, so nested calls map too
        if item.get("class") != "FUNCTION" or item.get("catalog") or item.get("schema"):
            return item
        name = str(item.get("function_name", "")).lower()
        mapping = TRINO_FUNCTIONS.get(name)
        if mapping is None:
            return item
        args = [a["expression"] for a in item.get("arguments", [])]
        if len(args) not in mapping.arity:
            raise QueryError("FUNCTION_NOT_FOUND", f"{name} takes {' or '.join(map(str, mapping.arity))} "
                             f"arguments locally, not {len(args)}")
        if mapping.constant_format is not None:
            text = _constant_text(args[mapping.constant_format])
            if text is None:
                raise QueryError("NOT_SUPPORTED", f"{name}: the format must be a string literal locally")
            args[mapping.constant_format] = _expression(conn, "'" + mysql_to_strftime(text).replace("'", "''") + "'")
        if name not in templates:
            templates[name] = _expression(conn, mapping.template)
        replacement = _substitute(templates[name], args)
        if replacement.get("class") == "FUNCTION":
            for key in ("filter", "distinct", "order_bys"):
                if key in item:
                    replacement[key] = item[key]
        replacement["alias"] = item.get("alias", "")
        rewritten.append(name)
        return replacement

    new = go(statement)
    statement.clear()
    statement.update(new)
    return rewritten


def name_unnamed_columns(statement: dict[str, Any]) -> None:
    """Trino names an output column without alias that is not a column `_col<position>`; here
    such items get a marker alias that `output_names` turns into that name."""
    node = statement["node"]
    while node.get("type") == "SET_OPERATION_NODE":
        children = node.get("children") or [node.get("left")]
        node = children[0]
    if node.get("type") != "SELECT_NODE":
        return
    for i, item in enumerate(node["select_list"]):
        if not item.get("alias") and item.get("class") not in ("COLUMN_REF", "STAR"):
            item["alias"] = f"{_UNNAMED}{i}"


def output_names(names: list[str]) -> list[str]:
    # Trino lowercases identifiers, output names included.
    return [f"_col{i}" if n.startswith(_UNNAMED) else n.lower() for i, n in enumerate(names)]


def parameter_count(statement: dict[str, Any]) -> int:
    return sum(1 for n in walk(statement) if n.get("class") == "PARAMETER")


def parse_parameter(text: str) -> Any:
    """An ExecutionParameters value (a SQL literal) as the Python value to bind."""
    s = text.strip()
    if len(s) >= 2 and s[0] == "'" and s[-1] == "'" and re.fullmatch(r"'(?:[^']|'')*'", s):
        return s[1:-1].replace("''", "'")
    if re.fullmatch(r"[-+]?\d+", s):
        return int(s)
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+)", s):
        return decimal.Decimal(s)
    if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+", s):
        return float(s)
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    if s.lower() == "null":
        return None
    typed = re.fullmatch(r"(?i)(date|timestamp)\s*'([^']*)'", s)
    if typed:
        try:
            if typed.group(1).lower() == "date":
                return datetime.date.fromisoformat(typed.group(2))
            return datetime.datetime.fromisoformat(typed.group(2))
        except ValueError:
            pass
    raise QueryError("INVALID_PARAMETER_USAGE", "localaws binds literal parameter values only "
                     f"('text', numbers, true/false, NULL, DATE '...', TIMESTAMP '...'), not {text!r}")


# --- which partitions a query needs ----------------------------------------------------------


@dataclass
class TableRef:
    ref: dict[str, Any]
    select: dict[str, Any] | None  # the SELECT whose FROM holds it
    preserved: bool  # not on the NULL-supplying side of an outer join
    siblings: list[dict[str, Any]]  # the other sources of that FROM


def _sources(ref: dict[str, Any], preserved: bool, out: list[tuple[dict[str, Any], bool]]) -> None:
    if ref.get("type") == "JOIN":
        join, kind = ref.get("join_type", ""), ref.get("ref_type", "")
        left = right = False
        if kind in ("REGULAR", "CROSS", "NATURAL"):
            left = preserved and join in ("INNER", "LEFT", "SEMI", "ANTI")
            right = preserved and join in ("INNER", "RIGHT")
        _sources(ref["left"], left, out)
        _sources(ref["right"], right, out)
    else:
        out.append((ref, preserved))


def table_refs(statement: dict[str, Any]) -> list[TableRef]:
    """Every BASE_TABLE in the statement, with the SELECT whose FROM lists it."""
    refs: list[TableRef] = []
    seen: set[int] = set()
    for node in walk(statement):
        if node.get("type") == "SELECT_NODE" and isinstance(node.get("from_table"), dict):
            sources: list[tuple[dict[str, Any], bool]] = []
            _sources(node["from_table"], True, sources)
            for ref, preserved in sources:
                if ref.get("type") == "BASE_TABLE":
                    seen.add(id(ref))
                    refs.append(TableRef(ref, node, preserved, [r for r, _ in sources if r is not ref]))
    for node in walk(statement):
        if node.get("type") == "BASE_TABLE" and id(node) not in seen:
            refs.append(TableRef(node, None, False, []))
    return refs


def cte_names(statement: dict[str, Any]) -> set[str]:
    names = set()
    for node in walk(statement):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names.update(str(e["key"]).lower() for e in cte_map.get("map", []))
    return names


_PRUNE_CLASSES = {"CONSTANT", "PARAMETER", "COLUMN_REF", "FUNCTION", "OPERATOR", "COMPARISON",
                  "CONJUNCTION", "CAST", "BETWEEN", "CASE", "COLLATE", "TYPE"}
_VOLATILE = {"random", "uuid", "gen_random_uuid", "nextval", "currval", "setseed"}


def _conjuncts(expression: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not expression:
        return []
    if expression.get("type") == "CONJUNCTION_AND":
        return [c for child in expression["children"] for c in _conjuncts(child)]
    return [expression]


def partition_predicates(ref: TableRef, table: Table, tables: dict[str, Table | None]) -> list[dict[str, Any]]:
    """The WHERE conjuncts over this reference that use only its partition keys (and constants
    or parameters): they can decide which partitions the reference needs. Others are ignored,
    which only means reading more."""
    if ref.select is None or not ref.preserved:
        return []
    keys = {name for name, _ in table.partition_keys}
    qualifiers = {ref.ref.get("alias", "").lower()} if ref.ref.get("alias") else {
        table.name, f"{table.database}.{table.name}", f"{CATALOG}.{table.database}.{table.name}"}
    # An unqualified name is ours only if no other source of the FROM could have it.
    unqualified_ok = True
    for other in ref.siblings:
        if other.get("type") == "BASE_TABLE":
            other_table = tables.get(_ref_key(other, table.database)[1])
            names = {n for n, _ in other_table.all_columns} if other_table else None
        elif other.get("type") == "TABLE_FUNCTION" and other.get("column_name_alias"):
            names = {str(n).lower() for n in other["column_name_alias"]}  # UNNEST(...) AS t(x)
        else:
            names = None  # a subquery or another relation: its columns are unknown here
        if names is None or keys & names:
            unqualified_ok = False

    def key_of(column_names: list[str]) -> str | None:
        names = [n.lower() for n in column_names]
        if len(names) == 1:
            return names[0] if unqualified_ok and names[0] in keys else None
        qualifier, column = ".".join(names[:-1]), names[-1]
        return column if qualifier in qualifiers and column in keys else None

    chosen = []
    for conjunct in _conjuncts(ref.select.get("where_clause")):
        nodes = list(walk(conjunct))
        exprs = [n for n in nodes if "class" in n]
        if any(n["class"] not in _PRUNE_CLASSES for n in exprs):
            continue
        if any(n["class"] == "FUNCTION" and str(n.get("function_name", "")).lower() in _VOLATILE for n in exprs):
            continue
        columns = [n for n in exprs if n["class"] == "COLUMN_REF"]
        if not columns or any(key_of(c["column_names"]) is None for c in columns):
            continue
        conjunct = copy.deepcopy(conjunct)
        for node in walk(conjunct):
            if node.get("class") == "COLUMN_REF":
                node["column_names"] = [key_of(node["column_names"])]
        chosen.append(conjunct)
    return chosen


def pruned_partitions(conn: Any, table: Table, partitions: list[Partition], predicates: list[dict[str, Any]],
                      params: list[Any]) -> set[int] | None:
    """Indexes of the partitions that satisfy every predicate, evaluated by DuckDB over a table of
    partition values with the query's own parameter values; None when it cannot tell."""
    if not predicates:
        return None
    statement = parse_sql(conn, "SELECT __i FROM __partitions WHERE true AND true")
    where = statement["node"]["where_clause"]
    where["children"] = predicates
    bound = []
    for node in walk(where):
        if node.get("class") == "PARAMETER":
            bound.append(params[int(node["identifier"]) - 1])
            node["identifier"] = str(len(bound))
    columns = ", ".join(f"{quote_ident(n)} {duckdb_type(t)}" for n, t in table.partition_keys)
    conn.execute(f"CREATE OR REPLACE TEMP TABLE __partitions (__i INTEGER, {columns})")
    rows = [[i, *(_partition_value(v, t) for v, (_n, t) in zip(p.values, table.partition_keys))]
            for i, p in enumerate(partitions)]
    if rows:
        conn.executemany(f"INSERT INTO __partitions VALUES ({', '.join('?' * (len(table.partition_keys) + 1))})", rows)
    try:
        return {row[0] for row in conn.execute(unparse(conn, statement), bound).fetchall()}
    except Exception:  # noqa: BLE001 - the query itself will report what is wrong with it
        return None


def _partition_value(text: str, t: HiveType) -> Any:
    if t.is_string():
        return text
    if t.kind in _INTEGERS:
        return int(text)
    return text


def _ref_key(ref: dict[str, Any], context_db: str) -> tuple[str, str]:
    schema = (ref.get("schema_name") or context_db).lower()
    return schema, f"{schema}.{str(ref.get('table_name', '')).lower()}"


# --- rendering as Athena does ----------------------------------------------------------------


def java_double(x: float, single: bool = False) -> str:
    """Java's Double.toString (Float.toString for real), which Athena's results show."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    text = repr(x)
    if single:
        for digits in range(1, 10):
            candidate = f"{x:.{digits}g}"
            if struct.unpack("f", struct.pack("f", float(candidate)))[0] == struct.unpack("f", struct.pack("f", x))[0]:
                text = repr(float(candidate))
                break
    if 1e-3 <= abs(x) < 1e7:
        value = decimal.Decimal(text)
        out = format(value, "f")
        return out if "." in out else out + ".0"
    sign, digits, exponent = decimal.Decimal(text).as_tuple()
    mantissa = "".join(map(str, digits)).rstrip("0") or "0"
    power = exponent + len(digits) - 1
    return ("-" if sign else "") + mantissa[0] + "." + (mantissa[1:] or "0") + f"E{power}"


def _timestamp(value: datetime.datetime) -> str:
    fraction = f"{value.microsecond:06d}"
    fraction = fraction[:3] if fraction.endswith("000") else fraction
    text = value.strftime("%Y-%m-%d %H:%M:%S.") + fraction
    return text + " UTC" if value.tzinfo is not None else text


def render(value: Any, type_id: str = "", nested: bool = False) -> str | None:
    """A value as Athena's results show it: arrays [a, b], rows and maps {k=v}, null inside."""
    if value is None:
        return "null" if nested else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value, single=type_id == "float")
    if isinstance(value, datetime.datetime):
        return _timestamp(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, datetime.timedelta):
        seconds = value.seconds
        return (f"{value.days} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}."
                f"{value.microseconds // 1000:03d}")
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return " ".join(f"{b:02x}" for b in bytes(value))
    if isinstance(value, list):
        return "[" + ", ".join(render(v, nested=True) or "" for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render(v, nested=True)}" for k, v in value.items()) + "}"
    return str(value)


_ATHENA_TYPES = {
    "varchar": ("varchar", 2147483647), "bigint": ("bigint", 19), "hugeint": ("bigint", 19),
    "ubigint": ("bigint", 19), "uinteger": ("bigint", 19), "integer": ("integer", 10),
    "usmallint": ("integer", 10), "smallint": ("smallint", 5), "utinyint": ("smallint", 5),
    "tinyint": ("tinyint", 3), "double": ("double", 17), "float": ("real", 17), "boolean": ("boolean", 0),
    "date": ("date", 0), "timestamp": ("timestamp", 3), "timestamp_ms": ("timestamp", 3),
    "timestamp_s": ("timestamp", 3), "timestamp_ns": ("timestamp", 3),
    "timestamp with time zone": ("timestamp with time zone", 3), "time": ("time", 3),
    "time with time zone": ("time with time zone", 3), "interval": ("interval day to second", 0), "blob": ("varbinary", 2147483647),
    "uuid": ("uuid", 0), "list": ("array", 0), "array": ("array", 0), "struct": ("row", 0), "map": ("map", 0),
    "json": ("json", 0), "uhugeint": ("decimal", 38),
}


def column_info(name: str, duck_type: Any) -> dict[str, Any]:
    type_id = str(getattr(duck_type, "id", duck_type)).lower()
    athena, precision = _ATHENA_TYPES.get(type_id, ("varchar", 2147483647))
    scale = 0
    if type_id == "decimal":
        children = dict(duck_type.children)
        athena, precision, scale = "decimal", int(children["precision"]), int(children["scale"])
    return {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name,
            "Type": athena, "Precision": precision, "Scale": scale, "Nullable": "UNKNOWN",
            "CaseSensitive": athena == "varchar"}


def results_csv(header: list[str], rows: list[list[str | None]]) -> bytes:
    """Athena's result file: every value quoted, NULL as an empty field."""
    out = io.StringIO()
    for row in [header, *rows]:
        out.write(",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in row))
        out.write("\n")
    return out.getvalue().encode("utf-8")


# --- one query -------------------------------------------------------------------------------


class QueryRun(athena_models.Execution):
    """moto's Execution (so ListQueryExecutions keeps working) with an honest state."""

    def __init__(self, *, account: str, region: str, query: str, context: dict[str, Any],
                 config: dict[str, Any], workgroup: Any, parameters: list[str] | None):
        super().__init__(query=query, context=context, config=config, workgroup=workgroup,
                         execution_parameters=parameters)
        self.account, self.region = account, region
        self.state = "QUEUED"
        self.reason: str | None = None
        self.error_type: str | None = None
        self.user_error = True
        self.submitted = time.time()
        self.started: float | None = None
        self.completed: float | None = None
        self.objects_read: list[str] = []
        self.bytes_scanned = 0
        # How each table's objects became rows: "duckdb" (its JSON reader) or "serde" (the reference).
        self.readers: dict[str, str] = {}
        # Milliseconds per phase of the run (see `_timed`), for the control endpoint.
        self.phases: dict[str, float] = {}
        # CPU time of the worker thread over a successful run: the rest of "running" is waiting
        # for a core or for the interpreter lock the server's other threads hold.
        self.cpu_ms: float | None = None
        self.sql: str | None = None
        self.header: list[str] = []
        self.column_info: list[dict[str, Any]] = []
        self.rows: list[list[str | None]] = []
        self.done = threading.Event()
        self.cancel = threading.Event()
        self.connection: Any = None
        self.generation = _generation[0]
        self.cutoff = (workgroup.configuration.get("BytesScannedCutoffPerQuery") if workgroup else None)

    @property  # type: ignore[override]
    def status(self) -> str:
        return self.state

    @status.setter
    def status(self, value: str) -> None:
        # moto's StopQueryExecution assigns the status: cancel for real instead.
        if value == "CANCELLED":
            cancel(self)

    def finish(self, state: str, reason: str | None = None, error_type: str | None = None, user: bool = True) -> None:
        with _lock:
            if self.state in TERMINAL:
                return
            self.state, self.reason, self.error_type, self.user_error = state, reason, error_type, user
            self.completed = time.time()
            self.end_time = self.completed
        self.done.set()


def cancel(run: QueryRun) -> None:
    run.cancel.set()
    connection = run.connection
    if connection is not None:
        try:
            connection.interrupt()
        except Exception:  # noqa: BLE001 - the connection may be closing already
            pass
    if run.state == "QUEUED":
        run.finish("CANCELLED", "Query was cancelled by user")


def _now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def execute(run: QueryRun) -> None:
    """Runs the query to its end state; never raises."""
    deadline = time.monotonic() + _settings["timeout"]
    timer = None
    try:
        with _lock:
            if run.state != "QUEUED":
                return
            run.state, run.started = "RUNNING", time.time()
        with tempfile.TemporaryDirectory(prefix="localaws-athena-") as scratch:
            conn = run.connection = new_connection(scratch)
            timer = threading.Timer(max(0.0, deadline - time.monotonic()), conn.interrupt)
            timer.daemon = True
            timer.start()
            try:
                _execute(run, conn, scratch, deadline)
            finally:
                run.connection = None
                conn.close()
    except Cancelled as stopped:
        run.finish("CANCELLED", stopped.reason)
    except QueryError as err:
        run.finish("FAILED", str(err), err.error_type, err.user)
    except Exception as err:  # noqa: BLE001 - every failure ends the query, none kills the worker
        if run.cancel.is_set():
            run.finish("CANCELLED", "Query was cancelled by user")
        elif time.monotonic() >= deadline:
            run.finish("FAILED", f"EXCEEDED_TIME_LIMIT: Query exceeded the local time limit of "
                                 f"{_settings['timeout']:g}s", "EXCEEDED_TIME_LIMIT")
        else:
            error_type, user = _classify(err)
            run.finish("FAILED", f"{error_type}: {_engine_message(err)}", error_type, user)
    finally:
        if timer is not None:
            timer.cancel()


def _classify(err: Exception) -> tuple[str, bool]:
    name, text = type(err).__name__, str(err)
    if name == "ParserException":
        return "SYNTAX_ERROR", True
    if name == "CatalogException":
        if "Table with name" in text or "Schema with name" in text or "Catalog with name" in text:
            return "TABLE_NOT_FOUND", True
        if "Function with name" in text:
            return "FUNCTION_NOT_FOUND", True
        return "SEMANTIC_ERROR", True
    if name == "BinderException":
        if "Referenced column" in text or "not found in FROM clause" in text:
            return "COLUMN_NOT_FOUND", True
        return "TYPE_MISMATCH" if "function" in text.lower() else "SEMANTIC_ERROR", True
    if name in ("ConversionException", "OutOfRangeException", "InvalidInputException"):
        return "INVALID_CAST_ARGUMENT" if name == "ConversionException" else "INVALID_FUNCTION_ARGUMENT", True
    if name.endswith("Exception") and type(err).__module__.startswith(("duckdb", "_duckdb")):
        return "GENERIC_USER_ERROR", True
    return "GENERIC_INTERNAL_ERROR", False


def _engine_message(err: Exception) -> str:
    # DuckDB appends "LINE n: <text>" pointing into the text it ran, which is our rewrite.
    return re.split(r"\n\s*\nLINE \d+:", str(err), maxsplit=1)[0].strip()


class _timed:
    """Adds the time spent in a `with` block to run.phases[name], so a slow query shows where
    the time went (planning, listing, reading objects, DuckDB, the result file)."""

    def __init__(self, run: QueryRun | None, name: str):
        self.run, self.name = run, name  # no run: nothing to record (unit tests)

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *_exc: Any) -> None:
        spent = (time.perf_counter() - self.start) * 1000
        if self.run is not None:
            self.run.phases[self.name] = self.run.phases.get(self.name, 0.0) + spent


def _execute(run: QueryRun, conn: Any, scratch: str, deadline: float) -> None:
    cpu_started = time.thread_time()
    database = str((run.context or {}).get("Database") or "default").lower()
    catalog = str((run.context or {}).get("Catalog") or "AwsDataCatalog").lower()
    if catalog != CATALOG:
        raise QueryError("NOT_SUPPORTED", f"catalog {catalog} is not supported locally (only AwsDataCatalog)")

    statement = parse_sql(conn, run.query)
    params = [parse_parameter(p) for p in (run.execution_parameters or [])]
    expected = parameter_count(statement)
    if expected != len(params):
        raise QueryError("INVALID_PARAMETER_USAGE",
                         f"Incorrect number of parameters: expected {expected} but found {len(params)}")
    rewrite_functions(conn, statement)
    name_unnamed_columns(statement)

    # The tables the query names, from Glue; CTE names shadow tables of the context database.
    ctes = cte_names(statement)
    refs = table_refs(statement)
    tables: dict[str, Table | None] = {}
    for ref in refs:
        schema, key = _ref_key(ref.ref, database)
        ref_catalog = str(ref.ref.get("catalog_name") or CATALOG).lower()
        if ref_catalog != CATALOG or key in tables:
            continue
        if not ref.ref.get("schema_name") and str(ref.ref.get("table_name", "")).lower() in ctes:
            continue
        tables[key] = find_table(run.account, run.region, schema, str(ref.ref.get("table_name", "")))

    partition = get_partition(run.region)
    now = _now_utc()
    # Partition predicates are the query's own expressions: evaluated where nothing is reachable.
    pruner = new_connection()
    lock_down(pruner)
    conn.execute(f"ATTACH ':memory:' AS {CATALOG}")
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{quote_ident(database)}")
    for key, table in tables.items():
        if table is None:
            continue  # DuckDB reports the missing table by its name
        with _timed(run, "list"):
            partitions = list_partitions(table, run.account, partition, now)
        needed: set[int] = set()
        for ref in refs:
            if _ref_key(ref.ref, database)[1] != key:
                continue
            chosen = pruned_partitions(pruner, table, partitions, partition_predicates(ref, table, tables), params) \
                if table.partition_keys else None
            needed |= set(range(len(partitions))) if chosen is None else chosen
        _load(run, conn, table, [partitions[i] for i in sorted(needed)], scratch, deadline)
    pruner.close()

    conn.execute(f"USE {CATALOG}.{quote_ident(database)}")
    lock_down(conn)
    run.sql = unparse(conn, statement)
    if run.cancel.is_set():
        raise Cancelled()
    # The timer's interrupt only stops a statement that is running when it fires.
    if time.monotonic() >= deadline:
        raise QueryError("EXCEEDED_TIME_LIMIT", f"Query exceeded the local time limit of {_settings['timeout']:g}s")
    with _timed(run, "query"):
        cursor = conn.execute(run.sql, params)
        description = cursor.description or []
        fetched = cursor.fetchall()
    with _timed(run, "render"):
        names = output_names([d[0] for d in description])
        types = [str(getattr(d[1], "id", d[1])).lower() for d in description]
        run.header = names
        run.column_info = [column_info(n, d[1]) for n, d in zip(names, description)]
        # Text is shown as it is: most values are, so they skip render's type tests.
        run.rows = [[v if type(v) is str else render(v, t) for v, t in zip(row, types)] for row in fetched]
    if run.cancel.is_set():
        raise Cancelled()  # stopped while the last statement ran: no result file
    with _timed(run, "write"):
        _write_results(run)
    run.cpu_ms = (time.thread_time() - cpu_started) * 1000
    run.finish("SUCCEEDED")


# --- the JSON SerDe in DuckDB ------------------------------------------------------------------
#
# `json_rows` is the reference: Python reads each line and coerces each value. For the common case
# (string, array<string> and struct columns, one spelling per key, every value already of its
# column's JSON kind) DuckDB's own JSON reader does the same work many times faster; it reads the
# objects' bytes as written, so nothing here is a second copy of the data. Whenever the data or the
# table's SerDe settings leave that case, `_json_in_duckdb` declines and the reference runs.


def _fast_json_type(t: HiveType) -> bool:
    if t.is_string():
        return True
    if t.kind == "array":
        return t.args[0].is_string()
    if t.kind == "struct":
        return all(_fast_json_type(f) for _, f in t.fields)
    return False


def _fast_json_table(table: Table) -> bool:
    params = {k.lower(): v for k, v in table.serde_params.items()}
    return (params.get("case.insensitive", "true").lower() != "false"
            and params.get("ignore.malformed.json", "false").lower() != "true"
            and not any(k.startswith("mapping.") for k in params)
            and all(_fast_json_type(t) for _, t in table.columns))


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _spellings(structure: Any, fields: Any) -> dict[str, tuple[str, Any]] | None:
    """For each field, the one key that spells it in the data and the structure of its values
    (as DuckDB's json_group_structure tells it); None when the data needs the reference: two
    spellings of a field, or a value not of its column's JSON kind."""
    if not isinstance(structure, dict):
        return None
    by_name: dict[str, list[tuple[str, Any]]] = {}
    for key, sub in structure.items():
        by_name.setdefault(key.lower(), []).append((key, sub))
    out = {}
    for name, t in fields:
        found = by_name.get(name, [])
        if len(found) > 1:
            return None  # the reference keeps the spelling that comes last in each object
        if not found or found[0][1] == "NULL":
            continue  # never given a value: NULL
        key, sub = found[0]
        if key.startswith(("$", "/")):
            return None  # DuckDB would read the name as a path
        if t.is_string():
            fits = sub == "VARCHAR"
        elif t.kind == "array":
            fits = isinstance(sub, list) and len(sub) == 1 and sub[0] in ("VARCHAR", "NULL")
        else:
            fits = _spellings(sub, t.fields) is not None
        if not fits:
            return None
        out[name] = (key, sub)
    return out


def _merged(a: Any, b: Any) -> Any:
    """Two of json_structure's answers as one: a key's kinds merged, "JSON" where they differ."""
    if a == "NULL" or a == b:
        return b
    if b == "NULL":
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **{k: _merged(a[k], v) if k in a else v for k, v in b.items()}}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) == 1:
        return [_merged(a[0], b[0])]
    return "JSON"


def _read_type(t: HiveType, sub: Any) -> str:
    """The DuckDB type that reads a field under the spellings of its data."""
    if t.kind != "struct":
        return duckdb_type(t)
    spelled = _spellings(sub, t.fields) or {}
    inner = [f"{quote_ident(key)} {_read_type(f, fsub)}" for name, f in t.fields if name in spelled
             for key, fsub in [spelled[name]]]
    return f"STRUCT({', '.join(inner)})" if inner else "JSON"


def _renamed(expression: str, t: HiveType, sub: Any) -> str:
    """The read value under the column's own (lower-case) names."""
    if t.kind != "struct":
        return expression
    spelled = _spellings(sub, t.fields) or {}
    parts = []
    for name, f in t.fields:
        if name in spelled:
            key, fsub = spelled[name]
            value = _renamed(f"struct_extract({expression}, {_sql_text(key)})", f, fsub)
        else:
            value = f"NULL::{duckdb_type(f)}"
        parts.append(f"{quote_ident(name)} := {value}")
    return f"CASE WHEN {expression} IS NULL THEN NULL ELSE struct_pack({', '.join(parts)}) END"


def _json_in_duckdb(conn: Any, table: Table, target: str, files: list[tuple[str, dict[str, Any]]],
                    lines: int) -> bool:
    """Loads the files (one per partition, its fixed values beside it) into target with DuckDB's
    JSON reader; False, having loaded nothing, when the data needs the reference SerDe."""
    import duckdb

    paths = "[" + ", ".join(_sql_text(p) for p, _ in files) + "]"
    try:
        # One pass learns every key's spellings and the JSON kinds of its values; a second reads
        # the rows typed (it refuses an object that repeats a key, as the reference does not).
        structures = conn.execute(
            "SELECT json_structure(json), count(*) "
            f"FROM read_json_objects({paths}, format = 'newline_delimited') GROUP BY ALL").fetchall()
        structure: Any = "NULL"
        for each, _ in structures:
            structure = _merged(structure, json.loads(each))
        count = sum(n for _, n in structures)
        spelled = _spellings(structure, table.columns)
        if spelled is None or count != lines or any(k.lower() == "filename" for k, _ in spelled.values()):
            return False
        types = {key: _read_type(t, sub) for name, t in table.columns if name in spelled
                 for key, sub in [spelled[name]]}
        keys = table.partition_keys
        conn.execute("CREATE TEMP TABLE parts (filename VARCHAR" +
                     "".join(f", {quote_ident(n)} {duckdb_type(t)}" for n, t in keys) + ")")
        conn.executemany(f"INSERT INTO parts VALUES ({', '.join('?' * (len(keys) + 1))})",
                         [[p] + [fixed[n] for n, _ in keys] for p, fixed in files])
        selected = [_renamed(quote_ident(spelled[n][0]), t, spelled[n][1]) if n in spelled
                    else f"NULL::{duckdb_type(t)}" for n, t in table.columns]
        selected += [f"parts.{quote_ident(n)}" for n, _ in keys]
        columns = "{" + ", ".join(f"{_sql_text(k)}: {_sql_text(v)}" for k, v in types.items()) + "}"
        if not types:
            columns = "{'filename': 'VARCHAR'}"  # read_json needs a column; this one is never a key here
        conn.execute(f"INSERT INTO {target} SELECT {', '.join(selected)} FROM read_json({paths}, "
                     f"format = 'newline_delimited', filename = true, columns = {columns}) "
                     "JOIN parts USING (filename)")
        return True
    except duckdb.Error:
        return False
    finally:
        conn.execute("DROP TABLE IF EXISTS parts")


def _load(run: QueryRun, conn: Any, table: Table, partitions: list[Partition], scratch: str, deadline: float) -> None:
    """The rows of these partitions as a DuckDB table awsdatacatalog.<db>.<table>."""
    reader = SERDES.get(table.serde)
    if reader is None:
        raise QueryError("HIVE_UNSUPPORTED_FORMAT", f"SerDe {table.serde or '(none)'} of table "
                         f"{table.database}.{table.name} is not supported locally")
    target = f"{CATALOG}.{quote_ident(table.database)}.{quote_ident(table.name)}"
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{quote_ident(table.database)}")
    columns = table.all_columns
    conn.execute(f"CREATE TABLE {target} (" + ", ".join(f"{quote_ident(n)} {duckdb_type(t)}" for n, t in columns) + ")")
    stem = f"{scratch}/{table.database}.{table.name}.{uuid.uuid4().hex}"
    with _timed(run, "read"):
        objects = _read_objects(run, table, partitions, deadline)
        files = _raw_files(stem, objects) if reader is json_rows and _fast_json_table(table) else None
    if files is not None:
        paths, lines = files
        with _timed(run, "ingest"):
            if not paths or _json_in_duckdb(conn, table, target, paths, lines):
                run.readers[f"{table.database}.{table.name}"] = "duckdb"
                return
    run.readers[f"{table.database}.{table.name}"] = "serde"
    _load_with_serde(run, conn, table, target, objects, f"{stem}.json")


def _load_with_serde(run: QueryRun | None, conn: Any, table: Table, target: str,
                     objects: list[tuple[dict[str, Any], str, bytes]], path: str) -> None:
    """The reference: the Python SerDe's rows, as JSON text DuckDB reads with the column types."""
    reader = SERDES[table.serde]
    rows = 0
    with _timed(run, "read"), open(path, "w", encoding="utf-8") as out:
        for fixed, source, data in objects:
            for row in reader(data, table, source):
                row.update(fixed)
                out.write(json.dumps(row, ensure_ascii=False, default=str))
                out.write("\n")
                rows += 1
    if rows:
        types = {n: duckdb_type(t) for n, t in table.all_columns}
        with _timed(run, "ingest"):
            conn.read_json(path, columns=types, format="newline_delimited").insert_into(target)


def _read_objects(run: QueryRun, table: Table, partitions: list[Partition],
                  deadline: float) -> list[tuple[dict[str, Any], str, bytes]]:
    """Each object of the partitions, once, as (its partition's values, its URL, its bytes)."""
    s3 = s3_backends[run.account][get_partition(run.region)]
    out = []
    for part in partitions:
        fixed = {n: _partition_value(v, t) for v, (n, t) in zip(part.values, table.partition_keys)}
        for bucket, name in part.objects:
            if run.cancel.is_set():
                raise Cancelled()
            if time.monotonic() >= deadline:
                raise QueryError("EXCEEDED_TIME_LIMIT", f"Query exceeded the local time limit of "
                                 f"{_settings['timeout']:g}s")
            key = s3.buckets[bucket].keys.get(name) if bucket in s3.buckets else None
            if key is None or isinstance(key, FakeDeleteMarker):
                continue  # deleted since the listing
            data = key.value
            run.objects_read.append(f"s3://{bucket}/{name}")
            run.bytes_scanned += len(data)
            if run.cutoff and run.bytes_scanned > int(run.cutoff):
                raise Cancelled("Bytes scanned limit was exceeded")
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            out.append((fixed, f"s3://{bucket}/{name}", data))
    return out


def _raw_files(stem: str, objects: list[tuple[dict[str, Any], str, bytes]]) \
        -> tuple[list[tuple[str, dict[str, Any]]], int] | None:
    """The objects' bytes as written, one file per partition, and how many lines hold a record;
    None when some object is not UTF-8 (the reference reads it with replacement characters)."""
    files: list[tuple[str, dict[str, Any]]] = []
    lines = 0
    out = None
    try:
        for fixed, _, data in objects:
            data.decode("utf-8")
            if not files or files[-1][1] is not fixed:
                if out is not None:
                    out.close()
                files.append((f"{stem}.{len(files)}.json", fixed))
                out = open(files[-1][0], "wb")
            out.write(data)
            if data and not data.endswith(b"\n"):
                out.write(b"\n")
            lines += sum(1 for line in data.split(b"\n") if line.strip())
    except UnicodeDecodeError:
        return None
    finally:
        if out is not None:
            out.close()
    return files, lines


def _write_results(run: QueryRun) -> None:
    location = (run.config or {}).get("OutputLocation")
    if not location:
        return
    bucket, key = _split_s3(location)
    s3 = s3_backends[run.account][get_partition(run.region)]
    if bucket not in s3.buckets:
        raise QueryError("GENERIC_USER_ERROR", f"Unable to verify/create output bucket {bucket}")
    if run.generation == _generation[0]:
        s3.put_object(bucket, key, results_csv(run.header, run.rows))


def _worker() -> None:
    while True:
        run = _queue.get()
        try:
            if run.generation == _generation[0]:
                execute(run)
        finally:
            _queue.task_done()


# --- the API ---------------------------------------------------------------------------------


def _error(message: str, code: str = "InvalidRequestException", status: int = 400) -> tuple[str, dict[str, int]]:
    return json.dumps({"__type": code, "Message": message}), {"status": status}


def _output_location(workgroup: Any, config: dict[str, Any] | None) -> str | None:
    group = (workgroup.configuration.get("ResultConfiguration") or {}) if workgroup else {}
    enforce = bool(workgroup.configuration.get("EnforceWorkGroupConfiguration")) if workgroup else False
    client = (config or {}).get("OutputLocation")
    chosen = group.get("OutputLocation") if enforce and group.get("OutputLocation") else client or group.get("OutputLocation")
    return chosen


def start_query_execution(self: Any) -> Any:
    query = self._get_param("QueryString")
    context = self._get_param("QueryExecutionContext") or {}
    config = copy.deepcopy(self._get_param("ResultConfiguration") or {})
    name = self._get_param("WorkGroup") or "primary"
    parameters = self._get_param("ExecutionParameters")
    backend = self.athena_backend
    workgroup = backend.work_groups.get(name)
    if workgroup is None:
        return _error("WorkGroup does not exist")
    if not isinstance(query, str) or not query.strip():
        return _error("QueryString must not be empty")
    location = _output_location(workgroup, config)
    if not location:
        return _error("No output location provided. An output location is required either through the "
                      "Workgroup result configuration setting or as an API input.")
    group_config = workgroup.configuration.get("ResultConfiguration") or {}
    if workgroup.configuration.get("EnforceWorkGroupConfiguration") and group_config:
        config = copy.deepcopy(group_config)
    config["OutputLocation"] = location
    run = QueryRun(account=backend.account_id, region=backend.region_name, query=query, context=context,
                   config=config, workgroup=workgroup, parameters=parameters)
    with _lock:
        backend.executions[run.id] = run
        _runs[run.id] = run
    # CREATE/DROP DATABASE as stock moto does them; everything else is a query for DuckDB.
    if backend._CREATE_DB_PATTERN.match(query) or backend._DROP_DB_PATTERN.match(query):
        backend._process_ddl(query, context)
        run.state = "RUNNING"
        run.finish("SUCCEEDED")
    else:
        try:
            _queue.put_nowait(run)
        except queue.Full:
            with _lock:
                backend.executions.pop(run.id, None)
                _runs.pop(run.id, None)
            return _error(f"more than {MAX_QUEUED} queries are queued", "TooManyRequestsException")
    return json.dumps({"QueryExecutionId": run.id})


def _run_of(self: Any) -> QueryRun | None:
    run = self.athena_backend.executions.get(self._get_param("QueryExecutionId"))
    return run if isinstance(run, QueryRun) else None


def _describe(run: QueryRun) -> dict[str, Any]:
    words = run.query.split(None, 2)
    ddl = bool(words) and words[0].upper() in ("ALTER", "CREATE", "DESCRIBE", "DROP", "MSCK", "SHOW")
    status: dict[str, Any] = {"State": run.state, "SubmissionDateTime": run.submitted}
    if run.completed is not None:
        status["CompletionDateTime"] = run.completed
    if run.reason:
        status["StateChangeReason"] = run.reason
    if run.state == "FAILED":
        status["AthenaError"] = {"ErrorCategory": 2 if run.user_error else 1, "Retryable": not run.user_error,
                                 "ErrorMessage": run.reason}
    started = run.started or run.completed or time.time()
    ended = run.completed or time.time()
    engine = int(max(0.0, ended - started) * 1000)
    queued = int(max(0.0, started - run.submitted) * 1000)
    result: dict[str, Any] = {
        "QueryExecutionId": run.id,
        "Query": run.query,
        "StatementType": "DDL" if ddl else "DML",
        "SubstatementType": "_".join(w.upper() for w in words[:2]) if ddl else "SELECT",
        "ResultConfiguration": run.config,
        "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": {"Enabled": False}},
        "QueryExecutionContext": run.context,
        "Status": status,
        "Statistics": {
            "EngineExecutionTimeInMillis": engine, "DataScannedInBytes": run.bytes_scanned,
            "TotalExecutionTimeInMillis": engine + queued, "QueryQueueTimeInMillis": queued,
            "ServicePreProcessingTimeInMillis": 0, "QueryPlanningTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": 0, "ResultReuseInformation": {"ReusedPreviousResult": False},
        },
        "WorkGroup": run.workgroup.name if run.workgroup else "primary",
        "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
    }
    if run.execution_parameters is not None:
        result["ExecutionParameters"] = run.execution_parameters
    return result


def get_query_execution(self: Any) -> Any:
    run = _run_of(self)
    if run is None:
        return _error(f"QueryExecution {self._get_param('QueryExecutionId')} was not found")
    return json.dumps({"QueryExecution": _describe(run)})


def _token(run_id: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"q": run_id, "o": offset}).encode()).decode()


def get_query_results(self: Any) -> Any:
    run = _run_of(self)
    if run is None:
        return _error(f"QueryExecution {self._get_param('QueryExecutionId')} was not found")
    if run.state in ("QUEUED", "RUNNING"):
        return _error(f"Query has not yet finished. Current state: {run.state}")
    if run.state != "SUCCEEDED":
        return _error(f"Query did not finish successfully. Final query state: {run.state}")
    page = self._get_param("MaxResults")
    page = MAX_PAGE if page is None else page
    if not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        return _error(f"1 validation error detected: Value '{page}' at 'maxResults' failed to satisfy "
                      f"constraint: Member must have value less than or equal to {MAX_PAGE}")
    token = self._get_param("NextToken")
    offset = 0
    if token:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset = int(decoded["o"])
            if decoded["q"] != run.id or offset < 0:
                raise ValueError(token)
        except (ValueError, KeyError, TypeError):
            return _error("NextToken is not valid for this query")
    # The header row is the first row of the first page and counts towards MaxResults.
    ddl = not run.header and not run.column_info
    rows = [] if ddl else [run.header, *run.rows]
    chunk = rows[offset:offset + page]
    body: dict[str, Any] = {
        "UpdateCount": 0,
        "ResultSet": {
            "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in chunk],
            "ResultSetMetadata": {"ColumnInfo": run.column_info},
        },
    }
    if offset + page < len(rows):
        body["NextToken"] = _token(run.id, offset + page)
    return json.dumps(body)


def stop_query_execution(self: Any) -> Any:
    run = _run_of(self)
    if run is None:
        return _error(f"QueryExecution {self._get_param('QueryExecutionId')} was not found")
    cancel(run)
    return json.dumps({})


_API = {
    "start_query_execution": start_query_execution,
    "get_query_execution": get_query_execution,
    "get_query_results": get_query_results,
    "stop_query_execution": stop_query_execution,
}


# --- installation and control ---------------------------------------------------------------


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        import duckdb  # noqa: F401 - fail at start-up, not at the first query, when it is missing

        for name, method in _API.items():
            setattr(athena_responses.AthenaResponse, name, method)
        _patch_reset()
        for i in range(WORKERS):
            worker = threading.Thread(target=_worker, name=f"athena-{i}", daemon=True)
            worker.start()
            _workers.append(worker)
        _installed = True
    return {
        ("POST", "/_localaws/athena/execution"): control_execution,
        ("POST", "/_localaws/athena/settings"): control_settings,
    }


def _patch_reset() -> None:
    stock = moto_api_models.MotoAPIBackend.reset

    def reset(self: Any) -> None:
        stock(self)
        with _lock:
            _generation[0] += 1
            runs = list(_runs.values())
            _runs.clear()
            _settings["timeout"] = DEFAULT_TIMEOUT
        for run in runs:
            if run.state not in TERMINAL:
                cancel(run)

    moto_api_models.MotoAPIBackend.reset = reset


def control_execution(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    run = _runs.get(str(body.get("query_execution_id")))
    if run is None:
        return 404, {"error": f"no query execution {body.get('query_execution_id')!r}"}
    wait = body.get("wait", 0)
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 0 <= wait <= MAX_WAIT:
        return 400, {"error": f"wait must be a number from 0 to {MAX_WAIT:g}"}
    run.done.wait(wait)
    return 200, {"state": run.state, "error": run.reason, "objects_read": list(run.objects_read),
                 "bytes_scanned": run.bytes_scanned, "sql": run.sql, "readers": dict(run.readers),
                 "timings_ms": _timings(run)}


def _timings(run: QueryRun) -> dict[str, float]:
    """Queued and running time, and the running time by phase."""
    started = run.started or run.completed or time.time()
    ended = run.completed or time.time()
    out = {"queued": (started - run.submitted) * 1000, "running": (ended - started) * 1000}
    out.update(run.phases)
    # Parsing and rewriting the SQL, finding the tables, pruning partitions, a new connection.
    out["other"] = max(0.0, out["running"] - sum(run.phases.values()))
    if run.cpu_ms is not None:
        out["cpu"] = run.cpu_ms
    return {k: round(v, 1) for k, v in out.items()}


def control_settings(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if "timeout" in body:
        value = body["timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
            return 400, {"error": f"timeout must be a number from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}"}
        _settings["timeout"] = float(value)
    return 200, {"timeout": _settings["timeout"]}
