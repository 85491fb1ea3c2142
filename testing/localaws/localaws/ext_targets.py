"""EventBridge Lambda and Firehose targets in moto 5.2.1, for local end-to-end runs.

Stock moto 5.2.1 raises inside PutEvents (HTTP 500) when a matching rule has a Lambda or
Firehose target. With this module:

* A Firehose target (`arn:aws:firehose:<region>:<account>:deliverystream/<name>`) gets the event
  (after the target's InputTransformer, if any) as one record through moto's own Firehose
  backend, which writes it to the stream's S3 / ExtendedS3 bucket. With an enabled
  `AppendDelimiterToRecord` processor in the stream's ProcessingConfiguration, a newline follows
  each record, as in AWS.
* A Lambda target (`arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`) is invoked
  the way a local Lambda runtime emulator expects: the event is POSTed to
  `<url>/2015-03-31/functions/<name>/invocations`, where `<url>` was registered for that
  function name at run time. Like EventBridge, delivery is asynchronous: one background worker
  sends queued events in order, each call bounded by a timeout and a fixed number of attempts
  (no retry loop beyond that). An answer other than 2xx, or one with `X-Amz-Function-Error`, is a
  failed delivery. Failures (also: no URL registered) are logged on stderr and counted.
* Dead letters (localaws.deadletter): a function with no invoke URL or that cannot be reached,
  a stream that does not exist, or a bus that does not exist sends the event to the target's
  `DeadLetterConfig` queue; a function that was invoked and failed sends it to the function's
  own dead-letter queue, as Lambda does with asynchronous invocations.

The sender's PutEvents never fails because of a target, as in AWS.

Control endpoints:

* `POST /_localaws/events/lambda` {"function_name", "url" (http://127.0.0.1:PORT or
  http://localhost:PORT; null unregisters), "timeout"? (seconds, default 30, at most 300),
  "attempts"? (1 to 3, default 1)}.
* `POST /_localaws/events/deliveries` {"wait"? (seconds, at most 300)}: waits until no Lambda
  delivery is queued or in flight (or the wait is over), then answers {"pending", "lambda":
  {name: {"url", "delivered", "failed", "last_error"}}, "firehose": {"delivered", "failed",
  "last_error"}, "dead_letters": {"sent", "failed", "last_error"}}.

`/moto-api/reset` forgets the registrations and counters (queued deliveries are dropped).
"""

from __future__ import annotations

import copy
import json
import queue
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.events import models as events_models
from moto.events.utils import EventTemplateParser
from moto.moto_api._internal import models as moto_api_models
from moto.utilities.arns import parse_arn

from localaws import deadletter, require_moto

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 300.0
MAX_ATTEMPTS = 3
MAX_QUEUE = 10_000
_LOCAL_URL = re.compile(r"^http://(127\.0\.0\.1|localhost):\d{1,5}$")
_ERROR_TEXT = 500

_lock = threading.Lock()
_functions: dict[str, dict[str, Any]] = {}
_lambda_stats: dict[str, dict[str, Any]] = {}
_firehose_stats: dict[str, Any] = {"delivered": 0, "failed": 0, "last_error": None}
# Bumped by reset: queued deliveries of an older generation are dropped.
_generation = [0]
# (generation, function name, payload, rule ARN, target)
_queue: queue.Queue[tuple[int, str, bytes, str, dict[str, Any]]] = queue.Queue(MAX_QUEUE)
_worker: list[threading.Thread] = []
_installed = False


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        deadletter.install()
        _patch_send_to_targets()
        _patch_reset()
        _installed = True
    return {
        ("POST", "/_localaws/events/lambda"): control_lambda,
        ("POST", "/_localaws/events/deliveries"): control_deliveries,
    }


def _ours(arn: str) -> str | None:
    """'lambda' or 'firehose' for targets this module delivers, else None."""
    try:
        parsed = parse_arn(arn)
    except Exception:  # noqa: BLE001 - a malformed ARN stays stock moto's business
        return None
    if parsed.service == "lambda" and parsed.resource_type == "function":
        return "lambda"
    if parsed.service == "firehose" and parsed.resource_type == "deliverystream":
        return "firehose"
    return None


def _patch_send_to_targets() -> None:
    stock = events_models.Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        mine = [t for t in self.targets if _ours(t.get("Arn", ""))]
        for other in (t for t in self.targets if not _ours(t.get("Arn", ""))):
            _stock_one(stock, self, other, original_event, transform_input)
        if not self.event_pattern.matches_event(original_event):
            return None
        for target in mine:
            event = _render(target, original_event, transform_input)
            if _ours(target["Arn"]) == "firehose":
                _to_firehose(self.arn, target, event)
            else:
                _to_lambda(self.arn, target, event)
        return None

    events_models.Rule.send_to_targets = send_to_targets


def _stock_one(stock: Any, rule: Any, target: dict[str, Any], event: Any, transform_input: bool) -> None:
    """Stock moto's delivery to one target, which a failed forward to a bus can name (deadletter)."""
    # A shallow copy with only this target: the rule itself is shared by threads.
    shadow = copy.copy(rule)
    shadow.targets = [target]
    previous = getattr(deadletter.current, "target", None)
    deadletter.current.target = (rule.arn, target)
    try:
        stock(shadow, event, transform_input)
    finally:
        deadletter.current.target = previous


def _render(target: dict[str, Any], original_event: dict[str, Any], transform_input: bool) -> bytes:
    """The payload a target receives: the event (or its InputTransformer's output) as JSON."""
    if transform_input:
        transformer = target.get("InputTransformer", {})
        if transformer and isinstance(original_event.get("time"), (int, float)):
            # A transformer reads `time` as AWS presents it (ISO-8601 text), not moto's number.
            original_event = {**original_event, "time": iso_8601_datetime_without_milliseconds(
                utcfromtimestamp(float(original_event["time"])))}
        event = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=original_event,
        )
    else:
        event = copy.deepcopy(original_event)
    if isinstance(event, dict) and isinstance(event.get("time"), (int, float)):
        # As moto's SQS delivery does: AWS sends the time as ISO-8601 text.
        event["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(float(event["time"])))
    return json.dumps(event).encode()


# --- Firehose --------------------------------------------------------------------------------


def _appends_newline(stream: Any) -> bool:
    for destination in getattr(stream, "destinations", []):
        for kind in ("ExtendedS3", "S3"):
            processing = (destination.get(kind) or {}).get("ProcessingConfiguration") or {}
            if str(processing.get("Enabled", "true")).lower() == "false":
                continue
            if any(p.get("Type") == "AppendDelimiterToRecord" for p in processing.get("Processors") or []):
                return True
    return False


def _to_firehose(rule_arn: str, target: dict[str, Any], payload: bytes) -> None:
    from moto.firehose.models import firehose_backends

    arn = target["Arn"]
    parsed = parse_arn(arn)
    try:
        per_account = dict.get(firehose_backends, parsed.account)
        backend = dict.get(per_account, parsed.region) if per_account is not None else None
        stream = backend.delivery_streams.get(parsed.resource_id) if backend is not None else None
        if stream is None:
            raise LookupError(f"no delivery stream {parsed.resource_id} in {parsed.account}/{parsed.region}")
        data = payload + b"\n" if _appends_newline(stream) else payload
        backend.put_record(parsed.resource_id, {"Data": data})
    except Exception as err:  # noqa: BLE001 - AWS counts a failed invocation; the sender's call succeeds
        message = f"{type(err).__name__}: {err}"[:_ERROR_TEXT]
        print(f"localaws: event to Firehose {arn} not delivered: {message}", file=sys.stderr)
        with _lock:
            _firehose_stats["failed"] += 1
            _firehose_stats["last_error"] = message
        code = "ResourceNotFoundException" if isinstance(err, LookupError) else "InternalException"
        deadletter.target_failed(rule_arn, target, payload, code, message)
        return
    with _lock:
        _firehose_stats["delivered"] += 1


# --- Lambda ----------------------------------------------------------------------------------


def _function_name(arn: str) -> str:
    # function:<name>[:qualifier]; parse_arn keeps "<name>[:qualifier]" as the resource id.
    return parse_arn(arn).resource_id.split(":", 1)[0]


def _stats(name: str) -> dict[str, Any]:
    return _lambda_stats.setdefault(name, {"delivered": 0, "failed": 0, "last_error": None})


def _to_lambda(rule_arn: str, target: dict[str, Any], payload: bytes) -> None:
    name = _function_name(target["Arn"])
    with _lock:
        generation = _generation[0]
        if not _worker or not _worker[0].is_alive():
            _worker[:] = [threading.Thread(target=_deliver_forever, name="localaws-lambda-targets", daemon=True)]
            _worker[0].start()
    try:
        _queue.put_nowait((generation, name, payload, rule_arn, target))
    except queue.Full:
        _failed(name, f"delivery queue full ({MAX_QUEUE} events)")
        deadletter.target_failed(rule_arn, target, payload, "ThrottlingException", "delivery queue full")


def _failed(name: str, message: str) -> None:
    message = message[:_ERROR_TEXT]
    print(f"localaws: event to Lambda function {name} not delivered: {message}", file=sys.stderr)
    with _lock:
        stats = _stats(name)
        stats["failed"] += 1
        stats["last_error"] = message


def _invoke(url: str, name: str, payload: bytes, timeout: float) -> tuple[str, str] | None:
    """One invocation; None on success, else ("function", why) when the function ran and failed
    or ("delivery", why) when it could not be invoked."""
    request = urllib.request.Request(
        f"{url}/2015-03-31/functions/{name}/invocations", data=payload, method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(1 << 20)
            function_error = response.headers.get("X-Amz-Function-Error")
            if function_error:
                return "function", f"function error {function_error}: {body[:300].decode(errors='replace')}"
            return None
    except urllib.error.HTTPError as err:
        return "function", f"HTTP {err.code}: {err.read(300).decode(errors='replace')}"
    except (OSError, ValueError) as err:
        return "delivery", f"{type(err).__name__}: {err}"


def _deliver_forever() -> None:
    while True:
        generation, name, payload, rule_arn, target = _queue.get()
        try:
            with _lock:
                registration = dict(_functions.get(name) or {}) if generation == _generation[0] else None
            if registration is None:
                continue  # dropped by a reset
            if not registration:
                # Locally, a function is what has an invoke URL: without one it does not exist.
                _failed(name, f"no invoke URL registered for function {name} (POST /_localaws/events/lambda)")
                deadletter.target_failed(rule_arn, target, payload, "ResourceNotFoundException",
                                         f"Function not found: {target['Arn']}")
                continue
            error = None
            attempts = 0
            for _ in range(registration["attempts"]):
                attempts += 1
                error = _invoke(registration["url"], name, payload, registration["timeout"])
                if error is None:
                    break
            if error is None:
                with _lock:
                    _stats(name)["delivered"] += 1
                continue
            kind, why = error
            _failed(name, why)
            if kind == "function":
                deadletter.function_failed(target["Arn"], payload, why)
            else:
                deadletter.target_failed(rule_arn, target, payload, "ServiceUnavailable", why, attempts)
        finally:
            _queue.task_done()


def _idle(wait: float) -> bool:
    """Waits (bounded) until nothing is queued or in flight; whether that happened."""
    deadline = time.monotonic() + wait
    with _queue.all_tasks_done:
        while _queue.unfinished_tasks:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _queue.all_tasks_done.wait(left)
    return True


def _patch_reset() -> None:
    stock = moto_api_models.MotoAPIBackend.reset

    def reset(self: Any) -> None:
        stock(self)
        with _lock:
            _generation[0] += 1
            _functions.clear()
            _lambda_stats.clear()
            _firehose_stats.update(delivered=0, failed=0, last_error=None)

    moto_api_models.MotoAPIBackend.reset = reset


# --- control endpoints -----------------------------------------------------------------------


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{key} must be a number from {low:g} to {high:g}")
    return float(value)


def control_lambda(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    name, url = body.get("function_name"), body.get("url")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        return 400, {"error": "function_name must be a Lambda function name (letters, digits, - and _)"}
    if url is None:
        with _lock:
            _functions.pop(name, None)
        return 200, {"function_name": name, "url": None}
    if not isinstance(url, str) or not _LOCAL_URL.match(url.rstrip("/")):
        return 400, {"error": "url must be http://127.0.0.1:PORT or http://localhost:PORT"}
    try:
        timeout = _number(body, "timeout", DEFAULT_TIMEOUT, 0.1, MAX_TIMEOUT)
        attempts = int(_number(body, "attempts", 1, 1, MAX_ATTEMPTS))
    except ValueError as err:
        return 400, {"error": str(err)}
    registration = {"url": url.rstrip("/"), "timeout": timeout, "attempts": attempts}
    with _lock:
        _functions[name] = registration
    return 200, {"function_name": name, **registration}


def control_deliveries(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        wait = _number(body, "wait", 0, 0, MAX_TIMEOUT)
    except ValueError as err:
        return 400, {"error": str(err)}
    _idle(wait)
    with _lock:
        names = set(_lambda_stats) | set(_functions)
        functions = {
            name: {"url": (_functions.get(name) or {}).get("url"), **_stats(name)} for name in sorted(names)
        }
        firehose = dict(_firehose_stats)
    return 200, {"pending": _queue.unfinished_tasks, "lambda": functions, "firehose": firehose,
                 "dead_letters": deadletter.stats()}
