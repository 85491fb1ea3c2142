"""Keeps the `account` of EventBridge events in moto 5.2.1, also across buses.

What stock moto 5.2.1 gets wrong, and what this module does about it:

* Targets without an InputTransformer receive the event through a default template that has
  no `account` key, so delivered events (e.g. on SQS) lose it. The template now carries it.
* A rule whose target is another event bus re-puts only source, detail-type and detail: the
  receiving bus stamps its own account, region, a new id and the forwarding time. AWS keeps
  the sender's `account`, `region`, `id`, `time` and `resources`; so does this module, along
  any chain of buses.
* A forward to a bus that does not exist raised inside the sender's PutEvents. AWS counts a
  failed invocation and the sender's PutEvents still succeeds; here the forward fails with a
  line on stderr, and goes to the target's dead-letter queue when it has one (deadletter).

* PutEvents cannot be made to fail the way AWS sometimes does. Faults can now be injected at
  run time through a control endpoint: the next N entries come back failed (FailedEntryCount >
  0, `ErrorCode` InternalFailure by default, the entries not delivered), or the next N calls
  answer `ThrottlingException` (HTTP 400), for one account or any. Only API calls see faults,
  never the events Support or a forwarding rule puts internally.

Control endpoints:

* `POST /_localaws/events/faults` {"account_id"? (default: any account), "failed_entries"?,
  "throttled_calls"?, "error_code"?}: sets the pending faults of that scope (counts replace the
  old ones; 0 clears). Answers the state below.
* `POST /_localaws/events/faults/status` {}: {"faults": [{"account_id", "failed_entries",
  "throttled_calls", "error_code"}...], "injected": {"failed_entries": n, "throttled_calls": n}}.

`/moto-api/reset` clears faults and counters.

* The receiving bus's policy was never read: any account could forward to, or put on, any bus.
  An event crossing accounts (a forwarding rule's delivery, or a PutEvents naming another
  account's bus by ARN, which moto looked up in the caller's own account) is now admitted only
  when that bus's policy allows its sender, source and detail-type (bus_policy). A refused
  forward goes to the target's dead-letter queue with `AccessDeniedException`; a refused
  PutEvents entry comes back failed with that code.

Lambda and Firehose targets are ext_targets' business; SNS targets still fail with 500.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.events import models as events_models
from moto.events import responses as events_responses
from moto.events import utils as events_utils
from moto.moto_api._internal import models as moto_api_models

from localaws import bus_policy, deadletter, require_moto

# Fields of an event that survive delivery to another bus.
_KEPT_ACROSS_BUSES = ("id", "account", "region", "time", "resources")

# Per request thread: the event a rule is delivering (`delivering`) and, inside a forwarded
# PutEvents, the event it came from (`origin`).
_local = threading.local()

_installed = False


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        _patch_default_template()
        _patch_forwarding()
        _patch_put_events_faults()
        _patch_reset()
        _installed = True
    return {
        ("POST", "/_localaws/events/faults"): control_faults,
        ("POST", "/_localaws/events/faults/status"): control_fault_status,
    }


def _patch_default_template() -> None:
    parser = events_utils.EventTemplateParser
    template = parser.DEFAULT_EVENT_INPUT_TEMPLATE
    if '"<account>"' in template:
        return
    anchor = '"version": "0", '
    if anchor not in template:
        raise RuntimeError("moto's default event template changed; re-check ext_events")
    parser.DEFAULT_EVENT_INPUT_TEMPLATE = template.replace(anchor, anchor + '"account": "<account>", ', 1)


def _patch_forwarding() -> None:
    stock_send = events_models.Rule.send_to_targets
    stock_put = events_models.EventsBackend.put_events

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        origin = getattr(_local, "origin", None)
        if origin is not None:
            original_event = {**original_event, **{k: origin[k] for k in _KEPT_ACROSS_BUSES if k in origin}}
        previous = (getattr(_local, "delivering", None), getattr(_local, "forwarder", None))
        _local.delivering = original_event
        # The account whose rule delivers: the sender a receiving bus's policy judges.
        _local.forwarder = self.account_id
        try:
            stock_send(self, original_event, transform_input)
        finally:
            _local.delivering, _local.forwarder = previous

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Set only while a rule delivers to a bus target: this PutEvents is that forward.
        delivering = getattr(_local, "delivering", None)
        previous_origin = getattr(_local, "origin", None)
        _local.origin = delivering
        _local.delivering = None
        try:
            if delivering is None:
                return _put_across_accounts(self, events, stock_put)
            try:
                forwarder = getattr(_local, "forwarder", None)
                if forwarder is not None and forwarder != self.account_id:
                    for event in events:
                        why = _refusal(self, event.get("EventBusName"), forwarder, event)
                        if why is not None:
                            raise _AccessDenied(why)
                return stock_put(self, events)
            except Exception as err:  # noqa: BLE001 - AWS fails the forward, never the sender's call
                print(f"localaws: event forward to {self.account_id}/{self.region_name} failed: {err}",
                      file=sys.stderr)
                forwarding = getattr(deadletter.current, "target", None)
                if forwarding is not None:
                    rule_arn, target = forwarding
                    code = getattr(err, "error_type", None) or type(err).__name__
                    deadletter.target_failed(rule_arn, target, json.dumps(delivering, default=str).encode(),
                                             code, str(err))
                return []
        finally:
            _local.origin = previous_origin
            _local.delivering = delivering

    events_models.Rule.send_to_targets = send_to_targets
    events_models.EventsBackend.put_events = put_events


class _AccessDenied(Exception):
    error_type = "AccessDeniedException"


def _refusal(backend: Any, bus_name: str | None, sender: str, event: dict[str, Any]) -> str | None:
    """Why `backend`'s bus `bus_name` refuses `sender`'s entry `event`, or None; a missing bus
    is moto's own ResourceNotFoundException."""
    bus = backend._get_event_bus(backend._normalize_event_bus_arn(bus_name))
    return bus_policy.refusal(bus.policy, bus.arn, bus_policy.Sender(sender, str(event.get("Source", "")),
                                                                     str(event.get("DetailType", ""))))


def _other_account_bus(backend: Any, bus_name: Any) -> tuple[str, str] | None:
    """(account, region) when a PutEvents entry names another account's bus by ARN."""
    if not isinstance(bus_name, str) or not bus_name.startswith("arn:"):
        return None
    parts = bus_name.split(":", 5)
    if len(parts) < 6 or parts[4] == backend.account_id:
        return None
    return parts[4], parts[3]


def _put_across_accounts(backend: Any, events: list[dict[str, Any]], stock_put: Any) -> list[dict[str, Any]]:
    """PutEvents from `backend`'s account, entries naming another account's bus delivered there
    when its policy admits them (the sender's account and region kept), refused per entry if not."""
    if len(events) > 10 or not any(_other_account_bus(backend, e.get("EventBusName")) for e in events):
        return stock_put(backend, events)
    entries: list[dict[str, Any]] = []
    for event in events:
        other = _other_account_bus(backend, event.get("EventBusName"))
        if other is None:
            entries.extend(stock_put(backend, [event]))
            continue
        receiver = events_models.events_backends[other[0]][other[1]]
        try:
            why = _refusal(receiver, event["EventBusName"], backend.account_id, event)
        except JsonRESTError as err:
            entries.append({"ErrorCode": err.error_type, "ErrorMessage": err.message})
            continue
        if why is not None:
            entries.append({"ErrorCode": _AccessDenied.error_type, "ErrorMessage": why})
            continue
        previous = getattr(_local, "origin", None)
        _local.origin = {"account": backend.account_id, "region": backend.region_name}
        try:
            entries.extend(stock_put(receiver, [event]))
        finally:
            _local.origin = previous
    return entries


# --- fault injection -------------------------------------------------------------------------

ANY_ACCOUNT = "*"
DEFAULT_FAULT_CODE = "InternalFailure"
# A test asks for a handful of faults; a typo like 10**9 must not wedge every later call.
MAX_FAULTS = 10_000


class ThrottlingException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("ThrottlingException", "Rate exceeded")


@dataclass
class _Faults:
    failed_entries: int = 0
    throttled_calls: int = 0
    error_code: str = DEFAULT_FAULT_CODE


_faults_lock = threading.Lock()
_faults: dict[str, _Faults] = {}
_injected = {"failed_entries": 0, "throttled_calls": 0}


def _scopes(account_id: str) -> list[_Faults]:
    """The fault sets that apply to a call from account_id, the account's own first."""
    return [f for f in (_faults.get(account_id), _faults.get(ANY_ACCOUNT)) if f is not None]


def _take_throttle(account_id: str) -> bool:
    with _faults_lock:
        for f in _scopes(account_id):
            if f.throttled_calls > 0:
                f.throttled_calls -= 1
                _injected["throttled_calls"] += 1
                return True
    return False


def _take_failures(account_id: str, entries: int) -> tuple[int, str]:
    """How many of the call's first entries fail, and with which error code."""
    taken, code = 0, DEFAULT_FAULT_CODE
    with _faults_lock:
        for f in _scopes(account_id):
            n = min(f.failed_entries, entries - taken)
            if n > 0:
                f.failed_entries -= n
                taken += n
                code = f.error_code
        _injected["failed_entries"] += taken
    return taken, code


def _patch_put_events_faults() -> None:
    stock = events_responses.EventsHandler.put_events

    def put_events(self: Any) -> Any:
        account_id = self.current_account
        if _take_throttle(account_id):
            raise ThrottlingException()
        events = self._get_param("Entries") or []
        if not isinstance(events, list) or len(events) > 10:
            return stock(self)  # its validation error
        failing, code = _take_failures(account_id, len(events))
        if failing == 0:
            return stock(self)
        delivered = self.events_backend.put_events(events[failing:]) if failing < len(events) else []
        refused = [{"ErrorCode": code, "ErrorMessage": "Injected by localaws: entry not delivered"}] * failing
        entries = refused + delivered
        return json.dumps({"FailedEntryCount": len([e for e in entries if "ErrorCode" in e]), "Entries": entries})

    events_responses.EventsHandler.put_events = put_events


def _patch_reset() -> None:
    stock = moto_api_models.MotoAPIBackend.reset

    def reset(self: Any) -> None:
        stock(self)
        with _faults_lock:
            _faults.clear()
            _injected.update(failed_entries=0, throttled_calls=0)

    moto_api_models.MotoAPIBackend.reset = reset


def _fault_state() -> dict[str, Any]:
    with _faults_lock:
        return {
            "faults": [
                {"account_id": scope, "failed_entries": f.failed_entries, "throttled_calls": f.throttled_calls,
                 "error_code": f.error_code}
                for scope, f in sorted(_faults.items())
            ],
            "injected": dict(_injected),
        }


def _count(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FAULTS:
        raise ValueError(f"{key} must be a whole number from 0 to {MAX_FAULTS}")
    return value


def control_faults(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    account_id = body.get("account_id", ANY_ACCOUNT)
    if not isinstance(account_id, str) or not (account_id == ANY_ACCOUNT
                                               or (len(account_id) == 12 and account_id.isdigit())):
        return 400, {"error": "account_id must be a 12-digit account id (or left out for any account)"}
    code = body.get("error_code", DEFAULT_FAULT_CODE)
    if not isinstance(code, str) or not code:
        return 400, {"error": "error_code must be non-empty text"}
    try:
        failed, throttled = _count(body, "failed_entries"), _count(body, "throttled_calls")
    except ValueError as err:
        return 400, {"error": str(err)}
    with _faults_lock:
        f = _faults.setdefault(account_id, _Faults())
        if failed is not None:
            f.failed_entries = failed
        if throttled is not None:
            f.throttled_calls = throttled
        f.error_code = code
    return 200, _fault_state()


def control_fault_status(_body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 200, _fault_state()
