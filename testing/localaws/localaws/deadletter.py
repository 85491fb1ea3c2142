"""Dead-letter queues of EventBridge targets and of Lambda functions, which moto 5.2.1 ignores.

* A rule target with `DeadLetterConfig.Arn` (an SQS queue): an event EventBridge could not
  deliver to the target (no such function or stream, no reachable function, no such bus) is
  sent to that queue, with the message attributes AWS sets: `RULE_ARN`, `TARGET_ARN`,
  `ERROR_CODE`, `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION` and `RETRY_ATTEMPTS`.
* A Lambda function created or updated with `DeadLetterConfig.TargetArn` keeps it (moto drops
  it), and GetFunctionConfiguration returns it. An asynchronous invocation whose function
  failed (a function error, after the registered attempts) is sent there with the attributes
  Lambda sets: `RequestID`, `ErrorCode` and `ErrorMessage`.

Without a dead-letter queue the event is dropped with a line on stderr, as before. Counts are in
`POST /_localaws/events/deliveries` (ext_targets) under "dead_letters".
"""

from __future__ import annotations

import sys
import threading
import uuid
from typing import Any

from moto.awslambda import models as lambda_models
from moto.moto_api._internal import models as moto_api_models
from moto.utilities.arns import parse_arn

_ERROR_TEXT = 500

_lock = threading.Lock()
_stats = {"sent": 0, "failed": 0, "last_error": None}
# The rule and target a bus-to-bus forward is running for, per request thread (set by
# ext_targets around each delivery that stock moto makes).
current = threading.local()
_installed = False


def install() -> None:
    global _installed
    if not _installed:
        _patch_function_config()
        _patch_reset()
        _installed = True


def stats() -> dict[str, Any]:
    with _lock:
        return dict(_stats)


def _send(queue_arn: str, body: str, attributes: dict[str, str]) -> bool:
    from moto.sqs.models import sqs_backends

    try:
        parsed = parse_arn(queue_arn)
        backend = sqs_backends[parsed.account][parsed.region]
        backend.send_message(
            queue_name=parsed.resource_id,
            message_body=body,
            message_attributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        )
    except Exception as err:  # noqa: BLE001 - a missing queue loses the event, as in AWS
        message = f"{type(err).__name__}: {err}"[:_ERROR_TEXT]
        print(f"localaws: dead letter to {queue_arn} lost: {message}", file=sys.stderr)
        with _lock:
            _stats["failed"] += 1
            _stats["last_error"] = message
        return False
    with _lock:
        _stats["sent"] += 1
    return True


def target_failed(rule_arn: str, target: dict[str, Any], payload: bytes, code: str, message: str,
                  attempts: int = 1) -> bool:
    """An event EventBridge could not deliver to `target`: to the target's DLQ, if it has one."""
    queue = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue:
        return False
    return _send(queue, payload.decode(errors="replace"), {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target.get("Arn", ""),
        "ERROR_CODE": code,
        "ERROR_MESSAGE": message[:_ERROR_TEXT],
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": str(max(0, attempts - 1)),
    })


def function_failed(function_arn: str, payload: bytes, message: str) -> bool:
    """An asynchronous invocation that failed: to the function's DLQ, if it has one."""
    function = _function(function_arn)
    queue = ((getattr(function, "cima_dead_letter_config", None) or {}).get("TargetArn")) if function else None
    if not queue:
        return False
    return _send(queue, payload.decode(errors="replace"), {
        "RequestID": str(uuid.uuid4()),
        "ErrorCode": "200",
        "ErrorMessage": message[:_ERROR_TEXT],
    })


def _function(function_arn: str) -> Any:
    try:
        parsed = parse_arn(function_arn)
        backend = lambda_models.lambda_backends[parsed.account][parsed.region]
        return backend.get_function(parsed.resource_id.split(":", 1)[0])
    except Exception:  # noqa: BLE001 - unknown function, account or malformed ARN
        return None


def _patch_function_config() -> None:
    stock_init = lambda_models.LambdaFunction.__init__
    stock_config = lambda_models.LambdaFunction.get_configuration
    stock_update = lambda_models.LambdaFunction.update_configuration

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        stock_init(self, account_id, spec, *args, **kwargs)
        self.cima_dead_letter_config = spec.get("DeadLetterConfig") or None

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = stock_config(self, *args, **kwargs)
        if getattr(self, "cima_dead_letter_config", None):
            config["DeadLetterConfig"] = dict(self.cima_dead_letter_config)
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in config_updates:
            # An empty TargetArn removes it, as in AWS.
            dlq = config_updates.get("DeadLetterConfig") or {}
            self.cima_dead_letter_config = dlq if dlq.get("TargetArn") else None
        return stock_update(self, config_updates)

    lambda_models.LambdaFunction.__init__ = __init__
    lambda_models.LambdaFunction.get_configuration = get_configuration
    lambda_models.LambdaFunction.update_configuration = update_configuration


def _patch_reset() -> None:
    stock = moto_api_models.MotoAPIBackend.reset

    def reset(self: Any) -> None:
        stock(self)
        with _lock:
            _stats.update(sent=0, failed=0, last_error=None)

    moto_api_models.MotoAPIBackend.reset = reset
