"""Keeps the `account` of EventBridge events in moto 5.2.1, also across buses.

What stock moto 5.2.1 gets wrong, and what this module does about it:

* Targets without an InputTransformer receive the event through a default template that has
  no `account` key, so delivered events (e.g. on SQS) lose it. The template now carries it.
* A rule whose target is another event bus re-puts only source, detail-type and detail: the
  receiving bus stamps its own account, region, a new id and the forwarding time. AWS keeps
  the sender's `account`, `region`, `id`, `time` and `resources`; so does this module, along
  any chain of buses.
* A forward to a bus that does not exist raised inside the sender's PutEvents. AWS counts a
  failed invocation and the sender's PutEvents still succeeds; here the forward is dropped
  with a line on stderr.

Lambda, Firehose and SNS targets still fail with 500 in stock moto; not patched here.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from moto.events import models as events_models
from moto.events import utils as events_utils

from localaws import require_moto

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
        _installed = True
    return {}


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
        previous = getattr(_local, "delivering", None)
        _local.delivering = original_event
        try:
            stock_send(self, original_event, transform_input)
        finally:
            _local.delivering = previous

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Set only while a rule delivers to a bus target: this PutEvents is that forward.
        delivering = getattr(_local, "delivering", None)
        previous_origin = getattr(_local, "origin", None)
        _local.origin = delivering
        _local.delivering = None
        try:
            if delivering is None:
                return stock_put(self, events)
            try:
                return stock_put(self, events)
            except Exception as err:  # noqa: BLE001 - AWS drops a failed forward, never the sender's call
                print(f"localaws: event forward to {self.account_id}/{self.region_name} dropped: {err}",
                      file=sys.stderr)
                return []
        finally:
            _local.origin = previous_origin
            _local.delivering = delivering

    events_models.Rule.send_to_targets = send_to_targets
    events_models.EventsBackend.put_events = put_events
