"""An HTTP/1.1 proxy on 127.0.0.1 that answers a share of AWS calls with faults, in front of the local AWS.

    python -m localaws.fault_proxy --target http://127.0.0.1:PORT --share 0.3 \\
        --services support,events,iam,sts --kinds throttle=2,500,503,reset,slow --slow-ms 12000 --seed 7

moto never throttles, never fails and always answers at once, so retries, timeouts and the
"one account failing never hides the others" paths of the clients would go untried. This proxy
parses each request (request line, headers, a Content-Length or chunked body), finds the AWS
service it is for (the SigV4 credential scope `.../<region>/<service>/aws4_request` of the
Authorization header or a presigned query, else the X-Amz-Target prefix), and for `--share` of
the requests of each chosen service answers with a fault instead of the server's answer:

- `throttle`: the service's own throttling error in its own protocol (JSON protocols: 400,
  `x-amzn-errortype` and `{"__type": "ThrottlingException", ...}`, or TooManyRequestsException
  where the service uses it; query protocols such as IAM and STS: 400 and an `<ErrorResponse>`
  with code `Throttling`; EC2: 503 RequestLimitExceeded; S3: 503 SlowDown);
- `500` and `503`: InternalFailure and ServiceUnavailable in the same shapes;
- `reset`: the connection is reset (closed with SO_LINGER 0) without an answer;
- `slow`: the request *is* forwarded (the server does the work) and its answer held back
  `--slow-ms` before it is sent: set it beyond the client's attempt timeout, and a retry meets
  the effect of the first attempt, as with a real timeout.

The first four never reach the server. Which requests fault is drawn from one random generator
per service seeded with `--seed` and the service name, in arrival order: the same run of requests
gets the same faults. `--fail-account ID` (repeatable) throttles every request made for that
account (an AssumeRole of a role in it, or a call signed with keys an AssumeRole there returned),
so a test can choose accounts that exhaust their retries.

Counters (`GET /_faultproxy/stats`, JSON): requests, forwarded, faults by kind and by service,
retries (requests whose `amz-sdk-request` header says attempt > 1), `abandoned` (slow answers
whose client had closed the connection, its attempt timed out, by the time they were due),
`waited` (slow answers delivered to a client that was still waiting: it has no timeout that short), and
`exhausted`: faults answered to a client's last attempt (attempt = max), with the account when
it is known.

Protocol (as localaws.server): once listening it prints one stdout line
`FAULT_PROXY_READY http://127.0.0.1:PORT`; it stops on SIGTERM/SIGINT, when stdin reaches end of
file (left out with --ignore-stdin), or after --max-lifetime seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any, TextIO

READY_PREFIX = "FAULT_PROXY_READY "
HOST = "127.0.0.1"
CONTROL_PREFIX = "/_faultproxy/"
KINDS = ("throttle", "500", "503", "reset", "slow")

# Bounds: a request or answer head, a body, the wait for a client's next request or for the
# server's answer, connections at once, and the records kept.
MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
MAX_CHUNKS = 100_000
IDLE_TIMEOUT = 300.0
UPSTREAM_TIMEOUT = 300.0
CONNECT_TIMEOUT = 10.0
MAX_CONNECTIONS = 1024
MAX_EXHAUSTED = 1000
MAX_KEYS = 100_000

CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/[^/]+/([^/]+)/aws4_request")
ACCOUNT_IN_ARN = re.compile(r"arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")
ACCESS_KEY_IN_ANSWER = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>|\"AccessKeyId\"\s*:\s*\"([^\"]+)\"")
ASSUMED_ARN_IN_ANSWER = re.compile(rb"arn:aws[a-z-]*:sts::(\d{12}):assumed-role/")

# X-Amz-Target prefixes of the JSON protocols, for requests that carry no SigV4 scope
# (Cognito's InitiateAuth is unsigned).
TARGET_SERVICES = {
    "AWSSupport_": "support",
    "AWSEvents": "events",
    "AWSOrganizationsV": "organizations",
    "DynamoDB_": "dynamodb",
    "AmazonAthena": "athena",
    "AWSGlue": "glue",
    "Firehose_": "firehose",
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AmazonSQS": "sqs",
    "TrentService": "kms",
    "Logs_": "logs",
    "AWSSecurityTokenServiceV": "sts",
}
# Services whose throttling error is TooManyRequestsException.
TOO_MANY_REQUESTS = {"athena", "cognito-idp", "lambda", "apigateway", "bedrock"}
# REST-JSON services: the error type travels in a header and the status says what happened.
REST_JSON = {"lambda", "apigateway", "bedrock", "execute-api"}
# Query-protocol services: form-encoded `Action=...` requests, `<ErrorResponse>` errors.
QUERY = {"iam", "sts", "rds", "sns", "cloudformation", "autoscaling", "elasticache", "monitoring", "ses",
         "elasticloadbalancing", "redshift"}


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    # Exactly what the client sent, minus an Expect header (the proxy answered it).
    raw: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


@dataclass
class Call:
    """What the proxy knows of one AWS call."""

    service: str | None
    operation: str
    access_key: str | None
    account: str | None
    attempt: int
    max_attempts: int
    protocol: str


@dataclass
class Counter:
    requests: int = 0
    forwarded: int = 0
    retries: int = 0
    faults: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})

    def as_json(self) -> dict[str, Any]:
        return {"requests": self.requests, "forwarded": self.forwarded, "retries": self.retries,
                "faults": dict(self.faults)}


class BadRequest(Exception):
    pass


def parse_target(url: str) -> tuple[str, int]:
    """host and port of an http://127.0.0.1:PORT target; anything else is refused."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != HOST or not parts.port:
        raise ValueError(f"target must be http://{HOST}:PORT, got {url!r}")
    return HOST, parts.port


def parse_kinds(text: str) -> dict[str, float]:
    """`throttle=2,500,reset` → weights; a kind without a weight weighs 1."""
    kinds: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = item.partition("=")
        if name not in KINDS:
            raise ValueError(f"unknown fault kind {name!r} (known: {', '.join(KINDS)})")
        value = float(weight) if weight else 1.0
        if not value >= 0:
            raise ValueError(f"weight of {name} must be >= 0")
        kinds[name] = value
    if not kinds or sum(kinds.values()) <= 0:
        raise ValueError("at least one fault kind with a positive weight")
    return kinds


def _form(text: str) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def describe(req: Request, keys: dict[str, str]) -> Call:
    """The service, operation, signing key, account and attempt of a request."""
    auth = req.header("authorization") or ""
    parts = urllib.parse.urlsplit(req.target)
    query = _form(parts.query)
    scope = CREDENTIAL_SCOPE.search(auth) or CREDENTIAL_SCOPE.search("Credential=" + query.get("X-Amz-Credential", ""))
    access_key, service = (scope.group(1), scope.group(2)) if scope else (None, None)
    amz_target = req.header("x-amz-target")
    if service is None and amz_target:
        service = next((s for prefix, s in TARGET_SERVICES.items() if amz_target.startswith(prefix)), None)
    form: dict[str, str] = {}
    content_type = (req.header("content-type") or "").lower()
    if len(req.body) <= MAX_HEAD and ("x-www-form-urlencoded" in content_type or req.body.startswith(b"Action=")):
        form = _form(req.body.decode("utf-8", "replace"))
    action = form.get("Action") or query.get("Action")
    if amz_target:
        protocol, operation = "json", amz_target.rsplit(".", 1)[-1]
    elif service == "ec2":
        protocol, operation = "ec2", action or req.method
    elif service == "s3":
        protocol, operation = "s3", f"{req.method} {parts.path}"
    elif service in REST_JSON:
        protocol, operation = "rest-json", f"{req.method} {parts.path}"
    elif action or service in QUERY:
        protocol, operation = "query", action or f"{req.method} {parts.path}"
    else:
        protocol, operation = "json", f"{req.method} {parts.path}"
    account = None
    if operation.startswith("AssumeRole"):
        # The account the call is for is the role's, not the caller's.
        found = ACCOUNT_IN_ARN.search(form.get("RoleArn") or query.get("RoleArn") or "")
        account = found.group(1) if found else None
    elif access_key:
        account = keys.get(access_key)
    attempt, max_attempts = 1, 0
    for item in (req.header("amz-sdk-request") or "").split(";"):
        name, _, value = item.strip().partition("=")
        if value.isdigit():
            if name == "attempt":
                attempt = int(value)
            elif name == "max":
                max_attempts = int(value)
    return Call(service, operation, access_key, account, attempt, max_attempts, protocol)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fault_answer(kind: str, call: Call, request_id: str, content_type: str | None) -> bytes:
    """The whole HTTP answer of a throttle, 500 or 503 fault, in the call's protocol."""
    if kind == "throttle":
        message = "Rate exceeded (injected by localaws.fault_proxy)"
        if call.protocol == "ec2":
            status, code = 503, "RequestLimitExceeded"
        elif call.protocol == "s3":
            status, code = 503, "SlowDown"
        elif call.service in TOO_MANY_REQUESTS:
            status, code = (429 if call.protocol == "rest-json" else 400), "TooManyRequestsException"
        elif call.protocol == "query":
            status, code = 400, "Throttling"
        else:
            status, code = 400, "ThrottlingException"
        sender = "Sender"
    elif kind == "500":
        status, sender = 500, "Receiver"
        code = "InternalError" if call.protocol in ("ec2", "s3") else "InternalFailure"
        message = "Internal error (injected by localaws.fault_proxy)"
    else:
        status, sender = 503, "Receiver"
        code = "Unavailable" if call.protocol == "ec2" else "ServiceUnavailable"
        message = "Service unavailable (injected by localaws.fault_proxy)"
    headers = [("x-amzn-RequestId", request_id), ("x-amz-request-id", request_id)]
    if call.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("x-amzn-errortype", code),
                    ("Content-Type", content_type if content_type and "json" in content_type
                     else "application/x-amz-json-1.1")]
    elif call.protocol == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
                f"<Message>{_xml(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID>"
                "</Response>").encode()
        headers.append(("Content-Type", "text/xml"))
    elif call.protocol == "s3":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                f"<Message>{_xml(message)}</Message><RequestId>{request_id}</RequestId></Error>").encode()
        headers.append(("Content-Type", "application/xml"))
    else:
        body = (f"<ErrorResponse><Error><Type>{sender}</Type><Code>{code}</Code>"
                f"<Message>{_xml(message)}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>").encode()
        headers.append(("Content-Type", "text/xml"))
    reason = {400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error",
              503: "Service Unavailable"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _json_answer(status: int, body: Any) -> bytes:
    payload = json.dumps(body).encode()
    reason = "OK" if status == 200 else "Error"
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload


def _headers(lines: list[str]) -> list[tuple[str, str]]:
    out = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"malformed header line {line[:80]!r}")
        out.append((name, value.strip()))
    return out


async def _read_chunked(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """A chunked body: the bytes as sent (framing included) and the decoded body."""
    raw, body = bytearray(), bytearray()
    for _ in range(MAX_CHUNKS):
        size_line = await reader.readuntil(b"\r\n")
        raw += size_line
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadRequest("malformed chunk size") from None
        if len(body) + size > MAX_BODY:
            raise BadRequest("body too large")
        if size == 0:
            # Trailers, then the empty line.
            for _ in range(100):
                line = await reader.readuntil(b"\r\n")
                raw += line
                if line == b"\r\n":
                    return bytes(raw), bytes(body)
            raise BadRequest("too many trailers")
        chunk = await reader.readexactly(size + 2)
        raw += chunk
        body += chunk[:-2]
    raise BadRequest("too many chunks")


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """One message head, or None at a clean end of stream."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as err:
        if not err.partial.strip():
            return None
        raise BadRequest("connection closed inside a head") from None
    except asyncio.LimitOverrunError:
        raise BadRequest("head too large") from None


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request | None:
    head = await _read_head(reader)
    if head is None:
        return None
    lines = head.decode("latin-1").split("\r\n")[:-2]
    parts = lines[0].split(" ") if lines else []
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"malformed request line {lines[0][:80] if lines else ''!r}")
    headers = _headers(lines[1:])
    req = Request(parts[0], parts[1], parts[2], headers, b"", b"")
    if (req.header("expect") or "").lower() == "100-continue":
        # Answered here, so the server never sends an interim answer the relay would have to skip.
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        req.headers = [(k, v) for k, v in headers if k.lower() != "expect"]
    head_out = (lines[0] + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req.headers) + "\r\n").encode("latin-1")
    if "chunked" in (req.header("transfer-encoding") or "").lower():
        raw_body, req.body = await _read_chunked(reader)
    else:
        length = req.header("content-length")
        try:
            size = int(length) if length else 0
        except ValueError:
            raise BadRequest("malformed Content-Length") from None
        if not 0 <= size <= MAX_BODY:
            raise BadRequest("body too large")
        raw_body = req.body = await reader.readexactly(size) if size else b""
    req.raw = head_out + raw_body
    return req


async def read_response(reader: asyncio.StreamReader, method: str) -> tuple[bytes, bytes, bool]:
    """The server's whole answer as sent, its decoded body, and whether the connection ends after it."""
    head = await _read_head(reader)
    if head is None:
        raise ConnectionError("the server closed the connection without answering")
    lines = head.decode("latin-1").split("\r\n")[:-2]
    status_parts = lines[0].split(" ", 2) if lines else []
    if len(status_parts) < 2 or not status_parts[1].isdigit():
        raise ConnectionError(f"malformed status line {lines[0][:80] if lines else ''!r}")
    status = int(status_parts[1])
    headers = _headers(lines[1:])
    get = lambda name: next((v for k, v in headers if k.lower() == name), None)  # noqa: E731
    closes = (get("connection") or "").lower() == "close" or status_parts[0] == "HTTP/1.0"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return head, b"", closes
    if "chunked" in (get("transfer-encoding") or "").lower():
        raw, body = await _read_chunked(reader)
        return head + raw, body, closes
    length = get("content-length")
    if length is not None:
        size = int(length)
        if not 0 <= size <= MAX_BODY:
            raise ConnectionError("answer too large")
        body = await reader.readexactly(size) if size else b""
        return head + body, body, closes
    # Delimited by the end of the connection.
    body = await reader.read(MAX_BODY + 1)
    rest = bytearray(body)
    while body and len(rest) <= MAX_BODY:
        body = await reader.read(MAX_BODY + 1 - len(rest))
        rest += body
    if len(rest) > MAX_BODY:
        raise ConnectionError("answer too large")
    return head + bytes(rest), bytes(rest), True


class Faults:
    """The fault plan and its counters (one event loop: no locks)."""

    def __init__(self, share: float, services: set[str] | None, kinds: dict[str, float], seed: int,
                 slow: float, fail_accounts: set[str]) -> None:
        self.share = share
        self.services = services
        self.kinds = kinds
        self.seed = seed
        self.slow = slow
        self.fail_accounts = fail_accounts
        self.rngs: dict[str, random.Random] = {}
        self.total = Counter()
        self.by_service: dict[str, Counter] = {}
        self.forced = 0
        self.exhausted: list[dict[str, Any]] = []
        self.exhausted_total = 0
        self.abandoned = 0
        self.waited = 0
        self.malformed = 0
        self.upstream_errors = 0
        # Access key → account, learned from AssumeRole answers.
        self.keys: dict[str, str] = {}

    def choose(self, call: Call) -> str | None:
        """The fault for this call, or None to forward it."""
        if call.account is not None and call.account in self.fail_accounts:
            self.forced += 1
            return "throttle"
        if call.service is None or (self.services is not None and call.service not in self.services):
            return None
        rng = self.rngs.get(call.service)
        if rng is None:
            rng = self.rngs[call.service] = random.Random(f"{self.seed}/{call.service}")
        if rng.random() >= self.share:
            return None
        names = list(self.kinds)
        return rng.choices(names, weights=[self.kinds[n] for n in names])[0]

    def count(self, call: Call, kind: str | None) -> None:
        counters = [self.total, self.by_service.setdefault(call.service or "unknown", Counter())]
        for c in counters:
            c.requests += 1
            c.retries += call.attempt > 1
            if kind is not None:
                c.faults[kind] += 1
            if kind is None or kind == "slow":
                c.forwarded += 1
        if kind is not None and call.max_attempts and call.attempt >= call.max_attempts:
            self.exhausted_total += 1
            if len(self.exhausted) < MAX_EXHAUSTED:
                self.exhausted.append({"service": call.service, "operation": call.operation,
                                       "account": call.account, "attempt": call.attempt, "kind": kind})

    def learn(self, call: Call, body: bytes) -> None:
        """Remembers which account the keys of an AssumeRole answer belong to."""
        if not call.operation.startswith("AssumeRole") or len(self.keys) >= MAX_KEYS:
            return
        key = ACCESS_KEY_IN_ANSWER.search(body)
        arn = ASSUMED_ARN_IN_ANSWER.search(body)
        if key and arn:
            self.keys[(key.group(1) or key.group(2)).decode()] = arn.group(1).decode()

    def stats(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "services": sorted(self.services) if self.services is not None else "all",
            "kinds": self.kinds,
            "seed": self.seed,
            "slow_ms": self.slow * 1000.0,
            "fail_accounts": sorted(self.fail_accounts),
            **self.total.as_json(),
            "forced": self.forced,
            "by_service": {s: c.as_json() for s, c in sorted(self.by_service.items())},
            "exhausted": self.exhausted,
            "exhausted_total": self.exhausted_total,
            "abandoned": self.abandoned,
            "waited": self.waited,
            "malformed": self.malformed,
            "upstream_errors": self.upstream_errors,
        }


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes the connection with a TCP reset: the client sees its request go unanswered."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class Proxy:
    def __init__(self, target: tuple[str, int], faults: Faults, deadline: float) -> None:
        self.target = target
        self.faults = faults
        # Event-loop time after which every connection loop ends (the proxy's max lifetime).
        self.deadline = deadline
        self.handlers: set[asyncio.Task[None]] = set()

    async def close_all(self) -> None:
        for task in list(self.handlers):
            task.cancel()
        if self.handlers:
            await asyncio.wait(list(self.handlers), timeout=CONNECT_TIMEOUT)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(self.handlers) >= MAX_CONNECTIONS or task is None:
            writer.close()
            return
        self.handlers.add(task)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            upstream = await self._serve(reader, writer)
        except (asyncio.CancelledError, ConnectionError, OSError, asyncio.IncompleteReadError,
                asyncio.TimeoutError):
            pass
        finally:
            self.handlers.discard(task)
            for w in (writer, upstream[1] if upstream else None):
                if w is not None and not w.is_closing():
                    w.close()

    async def _serve(self, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """Answers the requests of one client connection in turn; returns the server connection."""
        loop = asyncio.get_running_loop()
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while loop.time() < self.deadline:
            try:
                req = await asyncio.wait_for(read_request(reader, writer), IDLE_TIMEOUT)
            except BadRequest as err:
                self.faults.malformed += 1
                writer.write(_json_answer(400, {"error": str(err)}))
                await writer.drain()
                return upstream
            if req is None:
                return upstream
            client_closes = (req.header("connection") or "").lower() == "close" or req.version == "HTTP/1.0"
            path = urllib.parse.urlsplit(req.target).path
            if path.startswith(CONTROL_PREFIX):
                writer.write(self._control(req.method, path))
                await writer.drain()
                if client_closes:
                    return upstream
                continue
            call = describe(req, self.faults.keys)
            kind = self.faults.choose(call)
            self.faults.count(call, kind)
            if kind == "reset":
                _reset(writer)
                return upstream
            if kind in ("throttle", "500", "503"):
                writer.write(fault_answer(kind, call, str(uuid.uuid4()), req.header("content-type")))
                await writer.drain()
                if client_closes:
                    return upstream
                continue
            if upstream is None:
                try:
                    upstream = await asyncio.wait_for(asyncio.open_connection(*self.target), CONNECT_TIMEOUT)
                except (OSError, asyncio.TimeoutError) as err:
                    self.faults.upstream_errors += 1
                    writer.write(_json_answer(502, {"error": f"local AWS unreachable: {err}"}))
                    await writer.drain()
                    return None
            up_reader, up_writer = upstream
            up_writer.write(req.raw)
            await up_writer.drain()
            try:
                raw, body, closes = await asyncio.wait_for(read_response(up_reader, req.method), UPSTREAM_TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, BadRequest):
                self.faults.upstream_errors += 1
                _reset(writer)
                return upstream
            self.faults.learn(call, body)
            if kind == "slow":
                await asyncio.sleep(min(self.faults.slow, max(0.0, self.deadline - loop.time())))
                if reader.at_eof():
                    # The client gave up waiting (its attempt timeout) and closed the connection.
                    self.faults.abandoned += 1
                    return upstream
                self.faults.waited += 1
            writer.write(raw)
            await writer.drain()
            if closes or client_closes:
                return upstream
        return upstream

    def _control(self, method: str, path: str) -> bytes:
        if method == "GET" and path == CONTROL_PREFIX + "stats":
            return _json_answer(200, self.faults.stats())
        return _json_answer(404, {"error": f"no control endpoint {method} {path}"})


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    # Only end of file matters; a raw read, as in localaws.server, so shutdown never blocks on it.
    try:
        while os.read(0, 4096):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stop.set)


async def serve(args: argparse.Namespace, ready_out: TextIO) -> int:
    loop = asyncio.get_running_loop()
    services = None if args.services.strip() in ("", "all") else {
        s.strip() for s in args.services.split(",") if s.strip()}
    faults = Faults(args.share, services, parse_kinds(args.kinds), args.seed, args.slow_ms / 1000.0,
                    set(args.fail_account))
    proxy = Proxy(parse_target(args.target), faults, loop.time() + args.max_lifetime)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await asyncio.start_server(proxy.handle, HOST, args.port, limit=MAX_HEAD)
    port = server.sockets[0].getsockname()[1]
    if not args.ignore_stdin:
        threading.Thread(target=_watch_stdin, args=(loop, stop), name="stdin-watch", daemon=True).start()
    ready_out.write(f"{READY_PREFIX}http://{HOST}:{port}\n")
    ready_out.flush()
    try:
        await asyncio.wait_for(stop.wait(), args.max_lifetime)
    except asyncio.TimeoutError:
        print(f"fault_proxy: max lifetime {args.max_lifetime}s reached, stopping", file=sys.stderr)
    server.close()
    await proxy.close_all()
    print(f"fault_proxy: {json.dumps(faults.stats())}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localaws.fault_proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="the server to forward to, http://127.0.0.1:PORT")
    parser.add_argument("--share", type=float, default=0.3, help="share of each chosen service's requests that fault")
    parser.add_argument("--services", default="all", help="comma-separated SigV4 service names, or all")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"fault kinds and weights, e.g. throttle=2,500,reset (kinds: {', '.join(KINDS)})")
    parser.add_argument("--slow-ms", type=float, default=15000.0, help="how long a slow answer is held back")
    parser.add_argument("--seed", type=int, default=0, help="seeds each service's random generator")
    parser.add_argument("--fail-account", action="append", default=[], metavar="ID",
                        help="throttle every request made for this account (repeatable)")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--ignore-stdin", action="store_true", help="keep serving when stdin closes")
    parser.add_argument("--max-lifetime", type=float, default=4 * 3600,
                        help="seconds after which the proxy stops by itself (a safety net)")
    args = parser.parse_args(argv)
    if not 0.0 <= args.share <= 1.0:
        parser.error("--share must be within 0 and 1")
    if args.slow_ms < 0:
        parser.error("--slow-ms must be >= 0")
    if any(not (a.isdigit() and len(a) == 12) for a in args.fail_account):
        parser.error("--fail-account takes 12-digit account IDs")
    try:
        parse_target(args.target)
        parse_kinds(args.kinds)
    except ValueError as err:
        parser.error(str(err))
    # Only the READY line may reach stdout.
    ready_out = sys.stdout
    sys.stdout = sys.stderr
    started = time.monotonic()
    code = asyncio.run(serve(args, ready_out))
    print(f"fault_proxy: stopped after {time.monotonic() - started:.1f}s", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
