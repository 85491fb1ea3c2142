"""AWS Support (JSON 1.1, `AWSSupport_20130415`) in moto 5.2.1 the way the project needs it.

What stock moto 5.2.1 gets wrong, and what this module does about it:

* DescribeCases advances every case's status and severity on each call, ignores displayId,
  afterTime, beforeTime and maxResults, echoes nextToken back (a pager loops forever),
  answers unknown case IDs with a 500 and returns displayId "foo_display_id", one fixed
  account in every caseId, local times without zone, and `moto@moto.com` as submitter.
  Cases now keep their state; every filter applies; pages are cut after maxResults (10-100)
  with an opaque token bound to the query; unknown IDs answer `CaseIdNotFound`.
* ResolveCase only advanced the status machine; it now resolves, and AddCommunicationToCase
  on a resolved case reopens it (status `reopened`), as AWS does.
* AddCommunicationToCase, DescribeCommunications, DescribeServices and
  DescribeSeverityLevels were missing.
* No `aws.support` events: CreateCase, AddCommunicationToCase, ResolveCase and reopening now
  put a "Support Case Update" event on the account's default bus in us-east-1, through
  moto's EventBridge, so rules there see it.
* Other regions answered 500; they now answer 400 `EndpointNotFound` (AWS has no Support
  endpoint there).

State lives on moto's per-account Support backend, so `/moto-api/reset` empties it.

Times: a request may carry `X-Localaws-Time: <ISO-8601>`; CreateCase, AddCommunicationToCase
and ResolveCase then happen at that instant instead of now (the seeding tool back-dates
cases with it). Control endpoints, for what the API cannot do:

* `POST /_localaws/support/communication` {account_id, case_id, body, time_created?,
  submitted_by? (default "Amazon Web Services"), status?}: a reply from AWS (event origin
  AWS). The case moves to `status`, by default pending-customer-action unless resolved.
* `POST /_localaws/support/case` {account_id, case_id, status?, severity_code?}: sets
  fields as AWS staff would; no event.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.iam import models as iam_models
from moto.support import models as support_models
from moto.support import responses as support_responses
from moto.sts import models as sts_models

from localaws import AWS_SUBMITTER, CLOCK_HEADER, require_moto
from localaws.ext_organizations import _find_account

REGION = "us-east-1"
EVENT_SOURCE = "aws.support"
EVENT_DETAIL_TYPE = "Support Case Update"

STATUSES = ("opened", "pending-customer-action", "reopened", "resolved", "unassigned", "work-in-progress")
SEVERITIES = (
    ("low", "General guidance"),
    ("normal", "System impaired"),
    ("high", "Production system impaired"),
    ("urgent", "Production system down"),
    ("critical", "Business-critical system down"),
)
# (code, name, ((category code, category name), ...)); the first category is the default.
SERVICES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("amazon-elastic-compute-cloud-linux", "Elastic Compute Cloud (EC2 - Linux)", (
        ("instance-issue", "Instance Issue"), ("performance", "Performance"),
        ("connectivity", "Connectivity"), ("other", "Other"))),
    ("amazon-simple-storage-service", "Simple Storage Service (S3)", (
        ("general-guidance", "General Guidance"), ("access-issue", "Access Issue"),
        ("performance", "Performance"), ("other", "Other"))),
    ("aws-identity-and-access-management", "Identity and Access Management (IAM)", (
        ("general-guidance", "General Guidance"), ("access-issue", "Access Issue"),
        ("other", "Other"))),
    ("amazon-relational-database-service", "Relational Database Service (RDS)", (
        ("instance-issue", "Instance Issue"), ("performance", "Performance"),
        ("backup-and-restore", "Backup and Restore"), ("other", "Other"))),
    ("aws-lambda", "Lambda", (
        ("general-guidance", "General Guidance"), ("performance", "Performance"),
        ("function-issue", "Function Issue"), ("other", "Other"))),
    ("amazon-dynamodb", "DynamoDB", (
        ("general-guidance", "General Guidance"), ("performance", "Performance"),
        ("other", "Other"))),
    ("amazon-virtual-private-cloud", "Virtual Private Cloud (VPC)", (
        ("connectivity", "Connectivity"), ("general-guidance", "General Guidance"),
        ("other", "Other"))),
    ("general-info", "General Info and Getting Started", (
        ("using-aws", "Using AWS & Services"), ("account-structure", "Account Structure"),
        ("other", "Other"))),
)
LANGUAGES = ("en", "ja", "zh", "ko")
RECENT_COMMUNICATIONS = 5
PAGE_MIN, PAGE_MAX = 10, 100
MAX_CASE_IDS = 100
MAX_CC = 10
MAX_BODY = 8000
MAX_SUBJECT = 256

_store_lock = threading.Lock()
_installed = False


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        for name, method in _API.items():
            setattr(support_responses.SupportResponse, name, method)
        _installed = True
    return {
        ("POST", "/_localaws/support/communication"): control_communication,
        ("POST", "/_localaws/support/case"): control_case,
    }


class SupportError(JsonRESTError):
    """An error as the JSON 1.1 protocol carries it: {"__type": ..., "message": ...}, HTTP 400."""


def _invalid(message: str) -> SupportError:
    return SupportError("ValidationException", message)


def _case_not_found(case_id: Any) -> SupportError:
    return SupportError("CaseIdNotFound", f"Could not find case {case_id}")


# --- times -------------------------------------------------------------------------------


def _to_millis(value: datetime.datetime) -> datetime.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso(value: datetime.datetime) -> str:
    """`2024-05-01T10:00:00.123Z`, the form AWS Support answers with."""
    utc = value.astimezone(datetime.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(value: Any, name: str) -> datetime.datetime | None:
    """ISO-8601 text as an aware UTC datetime; no zone means UTC. None stays None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(f"{name} must be an ISO-8601 string")
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _invalid(f"{name} is not an ISO-8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def _now(response: Any) -> datetime.datetime:
    clock = response.headers.get(CLOCK_HEADER)
    when = parse_time(clock, CLOCK_HEADER) if clock else datetime.datetime.now(datetime.timezone.utc)
    return _to_millis(when)


# --- state ---------------------------------------------------------------------------------


@dataclass
class Communication:
    communication_id: str
    case_id: str
    body: str
    submitted_by: str
    time_created: datetime.datetime
    origin: str
    seq: int

    def key(self) -> tuple[datetime.datetime, int]:
        return (self.time_created, self.seq)

    def to_api(self) -> dict[str, Any]:
        return {"caseId": self.case_id, "body": self.body, "submittedBy": self.submitted_by,
                "timeCreated": iso(self.time_created), "attachmentSet": []}


@dataclass
class Case:
    case_id: str
    display_id: str
    subject: str
    status: str
    service_code: str
    category_code: str
    severity_code: str
    submitted_by: str
    time_created: datetime.datetime
    cc_email_addresses: list[str]
    language: str
    seq: int
    communications: list[Communication] = field(default_factory=list)

    def key(self) -> tuple[datetime.datetime, int]:
        return (self.time_created, self.seq)

    def newest_communications(self) -> list[Communication]:
        return sorted(self.communications, key=Communication.key, reverse=True)


class Store:
    """One account's cases. Per-account lock: the server is threaded."""

    def __init__(self, account_id: str):
        self.account_id = account_id
        self.lock = threading.RLock()
        self.cases: dict[str, Case] = {}
        self.created = 0
        self.seq = 0
        # Display IDs are numeric and increase per account; the account picks the range so
        # two accounts rarely share one (consumers must still key on caseId).
        digits = int(account_id) if account_id.isdigit() else int(hashlib.sha256(account_id.encode()).hexdigest(), 16)
        self.display_base = 10**10 + (digits % 10**6) * 10**4

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def get(self, case_id: Any) -> Case:
        case = self.cases.get(case_id) if isinstance(case_id, str) else None
        if case is None:
            raise _case_not_found(case_id)
        return case

    def new_case(self, when: datetime.datetime, **fields: Any) -> Case:
        self.created += 1
        display_id = str(self.display_base + self.created)
        # Derived, not random: the same seeding gives the same IDs under any thread timing.
        digest = hashlib.sha256(f"{self.account_id}|{display_id}|{iso(when)}|{fields['subject']}".encode()).hexdigest()
        case_id = f"case-{self.account_id}-{digest[:4]}-{when.year}-{digest[4:20]}"
        case = Case(case_id=case_id, display_id=display_id, time_created=when, seq=self.next_seq(), **fields)
        self.cases[case_id] = case
        return case

    def add_communication(self, case: Case, body: str, submitted_by: str, when: datetime.datetime,
                          origin: str) -> Communication:
        seq = self.next_seq()
        comm_id = hashlib.sha256(f"{case.case_id}|{seq}".encode()).hexdigest()[:40]
        comm = Communication(comm_id, case.case_id, body, submitted_by, when, origin, seq)
        case.communications.append(comm)
        return comm


def _existing_store(account_id: str) -> Store | None:
    # Plain dict lookups: a control call for an unknown account must not create backends.
    per_account = dict.get(support_models.support_backends, account_id)
    backend = dict.get(per_account, REGION) if per_account is not None else None
    return backend.__dict__.get("_localaws_store") if backend is not None else None


def _store(account_id: str) -> Store:
    backend = support_models.support_backends[account_id][REGION]
    store = backend.__dict__.get("_localaws_store")
    if store is None:
        with _store_lock:
            store = backend.__dict__.setdefault("_localaws_store", Store(account_id))
    return store


# --- events --------------------------------------------------------------------------------


def emit(account_id: str, case: Case, event_name: str, communication_id: str, origin: str,
         when: datetime.datetime) -> None:
    """Put one aws.support event on the account's default bus in us-east-1."""
    from moto.events.models import events_backends

    detail = {"case-id": case.case_id, "display-id": case.display_id, "communication-id": communication_id,
              "event-name": event_name, "origin": origin}
    entry = {"Source": EVENT_SOURCE, "DetailType": EVENT_DETAIL_TYPE, "Detail": json.dumps(detail),
             "Time": when.timestamp()}
    try:
        events_backends[account_id][REGION].put_events([entry])
    except Exception as err:  # noqa: BLE001 - a broken target must not fail the Support call
        print(f"localaws: {event_name} event for {case.case_id} not delivered: {err!r}", file=sys.stderr)


# --- the caller ----------------------------------------------------------------------------


def _submitter(response: Any) -> str:
    """Who the calling credentials are, as submittedBy shows it.

    Assumed-role sessions are `<session name>@<account>`, IAM users `<user name>@<account>`,
    anything else the account's root: its e-mail in Organizations, else
    `root@<account>.example.com`.
    """
    account = response.current_account
    access_key = response.get_access_key()
    # Copies: other request threads may add backends meanwhile.
    for backend in list(dict.values(dict.get(sts_models.sts_backends, account) or {})):
        role = backend.get_assumed_role_from_access_key(access_key)
        if role is not None:
            return f"{role.session_name}@{account}"
    for backend in list(dict.values(dict.get(iam_models.iam_backends, account) or {})):
        user = backend.get_user_from_access_key_id(access_key)
        if user is not None:
            return f"{user.name}@{account}"
    member = _find_account(account)
    return member.email if member is not None else f"root@{account}.example.com"


# --- parameters ----------------------------------------------------------------------------


def _page_size(value: Any) -> int:
    if value is None:
        return PAGE_MAX
    if isinstance(value, bool) or not isinstance(value, int) or not PAGE_MIN <= value <= PAGE_MAX:
        raise _invalid(f"1 validation error detected: Value '{value}' at 'maxResults' failed to satisfy "
                       f"constraint: Member must have value between {PAGE_MIN} and {PAGE_MAX}")
    return value


def _string_list(value: Any, name: str, limit: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(f"{name} must be a list of strings")
    if len(value) > limit:
        raise _invalid(f"1 validation error detected: Value at '{name}' failed to satisfy constraint: "
                       f"Member must have length less than or equal to {limit}")
    return value


def _required_text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"{name} is required")
    if len(value) > limit:
        raise _invalid(f"{name} must be at most {limit} characters")
    return value


def _check_region(response: Any) -> None:
    if response.region != REGION:
        raise SupportError("EndpointNotFound",
                           f"AWS Support has no endpoint in {response.region}; use {REGION}")


# --- paging --------------------------------------------------------------------------------


def _query_digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _make_token(digest: str, key: tuple[datetime.datetime, int]) -> str:
    raw = json.dumps({"q": digest, "t": key[0].isoformat(), "s": key[1]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_token(token: Any, digest: str) -> tuple[datetime.datetime, int]:
    """The resume key of a token this query handed out; anything else is an error."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        data = json.loads(text)
        resume = datetime.datetime.fromisoformat(data["t"])
        if data["q"] == digest and resume.tzinfo is not None:
            return resume, int(data["s"])
    except (TypeError, ValueError, KeyError, AttributeError, UnicodeDecodeError):
        pass
    raise _invalid("Invalid pagination token: it does not belong to this query")


def _page(items: list[Any], key: Any, digest: str, token: Any, size: int) -> tuple[list[Any], str | None]:
    """Items newest first after the token's position, at most `size`, and the next token.

    Resuming on the last item's (time, sequence) key, never an offset, means items added
    between two pages shift nothing: no page repeats an item.
    """
    ordered = sorted(items, key=key, reverse=True)
    if token:
        after = _read_token(token, digest)
        ordered = [item for item in ordered if key(item) < after]
    page = ordered[:size]
    more = len(ordered) > size
    return page, (_make_token(digest, key(page[-1])) if more else None)


def _communications_digest(account_id: str, case_id: str, after: Any, before: Any) -> str:
    return _query_digest("communications", account_id, case_id, after, before)


def _case_to_api(store: Store, case: Case, include_communications: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "caseId": case.case_id,
        "displayId": case.display_id,
        "subject": case.subject,
        "status": case.status,
        "serviceCode": case.service_code,
        "categoryCode": case.category_code,
        "severityCode": case.severity_code,
        "submittedBy": case.submitted_by,
        "timeCreated": iso(case.time_created),
        "ccEmailAddresses": list(case.cc_email_addresses),
        "language": case.language,
    }
    if include_communications:
        # The same token DescribeCommunications (caseId only) would hand out after 5 items.
        digest = _communications_digest(store.account_id, case.case_id, None, None)
        page, token = _page(case.communications, Communication.key, digest, None, RECENT_COMMUNICATIONS)
        recent: dict[str, Any] = {"communications": [c.to_api() for c in page]}
        if token:
            recent["nextToken"] = token
        out["recentCommunications"] = recent
    return out


# --- the API -------------------------------------------------------------------------------

Answer = tuple[str, dict[str, str]]


def _answer(body: dict[str, Any]) -> Answer:
    # moto would label the JSON text/html; SDKs other than boto3 may check the type.
    return json.dumps(body), {"Content-Type": "application/x-amz-json-1.1"}


def describe_cases(self: Any) -> Answer:
    _check_region(self)
    case_ids = _string_list(self._get_param("caseIdList"), "caseIdList", MAX_CASE_IDS)
    display_id = self._get_param("displayId")
    after = parse_time(self._get_param("afterTime"), "afterTime")
    before = parse_time(self._get_param("beforeTime"), "beforeTime")
    include_resolved = bool(self._get_param("includeResolvedCases", False))
    include_communications = self._get_param("includeCommunications")
    include_communications = True if include_communications is None else bool(include_communications)
    size = _page_size(self._get_param("maxResults"))
    token = self._get_param("nextToken")

    store = _store(self.current_account)
    digest = _query_digest("cases", store.account_id, sorted(set(case_ids)), display_id,
                           after, before, include_resolved)
    with store.lock:
        for case_id in case_ids:
            store.get(case_id)
        wanted = set(case_ids)
        matching = [
            case for case in store.cases.values()
            if (not wanted or case.case_id in wanted)
            and (display_id is None or case.display_id == display_id)
            and (include_resolved or case.status != "resolved")
            and (after is None or case.time_created >= after)
            and (before is None or case.time_created < before)
        ]
        page, next_token = _page(matching, Case.key, digest, token, size)
        body: dict[str, Any] = {"cases": [_case_to_api(store, c, include_communications) for c in page]}
    if next_token:
        body["nextToken"] = next_token
    return _answer(body)


def describe_communications(self: Any) -> Answer:
    _check_region(self)
    case_id = self._get_param("caseId")
    after = parse_time(self._get_param("afterTime"), "afterTime")
    before = parse_time(self._get_param("beforeTime"), "beforeTime")
    size = _page_size(self._get_param("maxResults"))
    token = self._get_param("nextToken")
    store = _store(self.current_account)
    with store.lock:
        case = store.get(case_id)
        matching = [
            c for c in case.communications
            if (after is None or c.time_created >= after) and (before is None or c.time_created < before)
        ]
        digest = _communications_digest(store.account_id, case.case_id, after, before)
        page, next_token = _page(matching, Communication.key, digest, token, size)
        body: dict[str, Any] = {"communications": [c.to_api() for c in page]}
    if next_token:
        body["nextToken"] = next_token
    return _answer(body)


def create_case(self: Any) -> Answer:
    _check_region(self)
    subject = _required_text(self._get_param("subject"), "subject", MAX_SUBJECT)
    body = _required_text(self._get_param("communicationBody"), "communicationBody", MAX_BODY)
    severity = self._get_param("severityCode") or "low"
    if severity not in dict(SEVERITIES):
        raise _invalid(f"Invalid severityCode {severity!r}: use one of {[s for s, _ in SEVERITIES]}")
    services = {code: [cat for cat, _ in cats] for code, _, cats in SERVICES}
    service = self._get_param("serviceCode") or "general-info"
    if service not in services:
        raise _invalid(f"Invalid serviceCode {service!r}: DescribeServices lists the valid ones")
    category = self._get_param("categoryCode") or services[service][0]
    if category not in services[service]:
        raise _invalid(f"Invalid categoryCode {category!r} for service {service}")
    language = self._get_param("language") or "en"
    if language not in LANGUAGES:
        raise _invalid(f"Invalid language {language!r}: use one of {list(LANGUAGES)}")
    cc = _string_list(self._get_param("ccEmailAddresses"), "ccEmailAddresses", MAX_CC)
    if self._get_param("attachmentSetId"):
        raise SupportError("AttachmentSetIdNotFound", "The attachment set ID is not valid")
    when = _now(self)
    submitted_by = _submitter(self)
    store = _store(self.current_account)
    with store.lock:
        case = store.new_case(when, subject=subject, status="opened", service_code=service,
                              category_code=category, severity_code=severity, submitted_by=submitted_by,
                              cc_email_addresses=cc, language=language)
        first = store.add_communication(case, body, submitted_by, when, "CUSTOMER")
    emit(store.account_id, case, "CreateCase", first.communication_id, "CUSTOMER", when)
    return _answer({"caseId": case.case_id})


def add_communication_to_case(self: Any) -> Answer:
    _check_region(self)
    case_id = self._get_param("caseId")
    body = _required_text(self._get_param("communicationBody"), "communicationBody", MAX_BODY)
    _string_list(self._get_param("ccEmailAddresses"), "ccEmailAddresses", MAX_CC)
    if self._get_param("attachmentSetId"):
        raise SupportError("AttachmentSetIdNotFound", "The attachment set ID is not valid")
    when = _now(self)
    submitted_by = _submitter(self)
    store = _store(self.current_account)
    with store.lock:
        case = store.get(case_id)
        comm = store.add_communication(case, body, submitted_by, when, "CUSTOMER")
        # A customer reply reopens a resolved case and hands a waiting one back to AWS.
        event_name = "ReopenCase" if case.status == "resolved" else "AddCommunicationToCase"
        if case.status == "resolved":
            case.status = "reopened"
        elif case.status == "pending-customer-action":
            case.status = "opened"
    emit(store.account_id, case, event_name, comm.communication_id, "CUSTOMER", when)
    return _answer({"result": True})


def resolve_case(self: Any) -> Answer:
    _check_region(self)
    case_id = self._get_param("caseId")
    when = _now(self)
    store = _store(self.current_account)
    with store.lock:
        case = store.get(case_id)
        initial = case.status
        case.status = "resolved"
    if initial != "resolved":
        emit(store.account_id, case, "ResolveCase", "", "CUSTOMER", when)
    return _answer({"initialCaseStatus": initial, "finalCaseStatus": "resolved"})


def describe_services(self: Any) -> Answer:
    _check_region(self)
    wanted = _string_list(self._get_param("serviceCodeList"), "serviceCodeList", 100)
    services = [
        {"code": code, "name": name, "categories": [{"code": c, "name": n} for c, n in categories]}
        for code, name, categories in SERVICES
        if not wanted or code in wanted
    ]
    return _answer({"services": services})


def describe_severity_levels(self: Any) -> Answer:
    _check_region(self)
    return _answer({"severityLevels": [{"code": code, "name": name} for code, name in SEVERITIES]})


_API = {
    "describe_cases": describe_cases,
    "describe_communications": describe_communications,
    "create_case": create_case,
    "add_communication_to_case": add_communication_to_case,
    "resolve_case": resolve_case,
    "describe_services": describe_services,
    "describe_severity_levels": describe_severity_levels,
}


# --- control endpoints ---------------------------------------------------------------------


class _ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _control(handler: Any) -> Any:
    """Turns a handler's _ControlError into the (status, body) answer the router expects."""

    def run(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            return 200, handler(body)
        except _ControlError as err:
            return err.status, {"error": str(err)}

    return run


def _control_case(body: dict[str, Any]) -> tuple[Store, Case]:
    account_id, case_id = body.get("account_id"), body.get("case_id")
    if not isinstance(account_id, str) or not isinstance(case_id, str):
        raise _ControlError(400, "account_id and case_id (strings) are required")
    store = _existing_store(account_id)
    case = store.cases.get(case_id) if store is not None else None
    if store is None or case is None:
        raise _ControlError(404, f"no case {case_id} in account {account_id}")
    return store, case


def _control_status(value: Any) -> str | None:
    if value is not None and value not in STATUSES:
        raise _ControlError(400, f"status must be one of {STATUSES}")
    return value


@_control
def control_communication(body: dict[str, Any]) -> dict[str, Any]:
    """A reply from AWS to a case (what no Support API call can add)."""
    store, case = _control_case(body)
    text = body.get("body")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_BODY:
        raise _ControlError(400, f"body must be non-empty text of at most {MAX_BODY} characters")
    submitted_by = body.get("submitted_by", AWS_SUBMITTER)
    if not isinstance(submitted_by, str) or not submitted_by:
        raise _ControlError(400, "submitted_by must be non-empty text")
    status = _control_status(body.get("status"))
    try:
        when = parse_time(body.get("time_created"), "time_created")
    except SupportError as err:
        raise _ControlError(400, err.message) from None
    when = _to_millis(when or datetime.datetime.now(datetime.timezone.utc))
    with store.lock:
        comm = store.add_communication(case, text, submitted_by, when, "AWS")
        if status is not None:
            case.status = status
        elif case.status != "resolved":
            case.status = "pending-customer-action"
        answer = {"communication": {**comm.to_api(), "communicationId": comm.communication_id, "origin": "AWS"},
                  "case": _case_to_api(store, case, False)}
    emit(store.account_id, case, "AddCommunicationToCase", comm.communication_id, "AWS", when)
    return answer


@_control
def control_case(body: dict[str, Any]) -> dict[str, Any]:
    """Set a case's status or severity the way AWS staff would; no event, as in AWS."""
    store, case = _control_case(body)
    status, severity = _control_status(body.get("status")), body.get("severity_code")
    if severity is not None and severity not in dict(SEVERITIES):
        raise _ControlError(400, f"severity_code must be one of {[s for s, _ in SEVERITIES]}")
    with store.lock:
        if status is not None:
            case.status = status
        if severity is not None:
            case.severity_code = severity
        return {"case": _case_to_api(store, case, False)}
