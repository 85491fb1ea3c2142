"""Lets a seed give a CloudFormation stack the outcome moto 5.2.1 cannot reach on its own.

moto creates every stack it can parse at once (CREATE_COMPLETE) and has no drift detection, so a
local organization would never hold the stacks people ask about most: the ones whose deployment
failed, or that drifted. `POST /_localaws/cloudformation/stack-outcome` with
`{"account_id", "region", "stack_name", "status"?, "status_reason"?, "drift"?}` sets what a failed
operation or a drift detection would have left on that stack; DescribeStacks then answers with it
(`StackStatus`, `StackStatusReason`, `DriftInformation`) as AWS does. Values AWS never gives are
refused with 400.
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.utils import utcnow

from localaws import CONTROL_PREFIX, require_moto

# Every StackStatus AWS documents.
STATUSES = frozenset(
    f"{op}_{end}"
    for op, ends in {
        "CREATE": ("IN_PROGRESS", "FAILED", "COMPLETE"),
        "ROLLBACK": ("IN_PROGRESS", "FAILED", "COMPLETE"),
        "DELETE": ("IN_PROGRESS", "FAILED", "COMPLETE"),
        "UPDATE": ("IN_PROGRESS", "COMPLETE_CLEANUP_IN_PROGRESS", "COMPLETE", "FAILED"),
        "UPDATE_ROLLBACK": ("IN_PROGRESS", "FAILED", "COMPLETE_CLEANUP_IN_PROGRESS", "COMPLETE"),
        "REVIEW": ("IN_PROGRESS",),
        "IMPORT": ("IN_PROGRESS", "COMPLETE", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE"),
    }.items()
    for end in ends
)
DRIFT_STATUSES = frozenset({"DRIFTED", "IN_SYNC", "UNKNOWN", "NOT_CHECKED"})
_ACCOUNT = re.compile(r"^\d{12}$")


def stack_outcome(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from moto.cloudformation.models import cloudformation_backends

    account, region, name = body.get("account_id"), body.get("region"), body.get("stack_name")
    status, reason, drift = body.get("status"), body.get("status_reason"), body.get("drift")
    if not isinstance(account, str) or not _ACCOUNT.match(account):
        return 400, {"error": "account_id: a 12-digit account id"}
    if not isinstance(region, str) or not isinstance(name, str):
        return 400, {"error": "region and stack_name: strings"}
    if status is not None and status not in STATUSES:
        return 400, {"error": f"status: {status!r} is not a CloudFormation stack status"}
    if drift is not None and drift not in DRIFT_STATUSES:
        return 400, {"error": f"drift: one of {sorted(DRIFT_STATUSES)}"}
    if reason is not None and not isinstance(reason, str):
        return 400, {"error": "status_reason: a string"}
    backend = cloudformation_backends[account][region]
    live = [s for s in backend.stacks.values() if s.name == name and s.status != "DELETE_COMPLETE"]
    if not live:
        return 404, {"error": f"no stack {name} in {account} {region}"}
    stack = live[0]
    if status is not None:
        stack.status = status
        stack.status_reason = reason
    if drift is not None:
        stack.drift_information = {"StackDriftStatus": drift, "LastCheckTimestamp": utcnow()}
    return 200, {"stack_id": stack.stack_id, "status": stack.status}


def install() -> dict[tuple[str, str], Any]:
    require_moto(__name__)
    return {("POST", CONTROL_PREFIX + "cloudformation/stack-outcome"): stack_outcome}
