"""Event bus resource policies, evaluated where an event crosses accounts.

moto 5.2.1 stores a bus's policy but never reads it: any account's rule can forward to any bus,
whatever its policy says. AWS evaluates the receiving bus's policy for every event another
account sends (a forwarding rule's delivery or a PutEvents naming the bus by ARN), and the
events' own fields can be conditions (`events:source`, `events:detail-type`). This module does
that for the subset of IAM policy language bus policies use:

* `Effect` Allow or Deny (an explicit Deny wins; no Allow is an implicit deny);
* `Action` `events:PutEvents`, `events:*` or `*`; `Resource` the bus ARN, `*` wildcards allowed;
* `Principal` `*`, `{"AWS": "*"}`, an account id or `arn:aws:iam::<account>:root` (or a list);
* `Condition` operators StringEquals, StringNotEquals and StringLike over `aws:PrincipalOrgID`,
  `aws:PrincipalAccount`, `events:source` and `events:detail-type`.

Anything else in a condition matches nothing, so an Allow this module cannot read admits no
one, and the refusal names what it did not understand. Events within one account never reach
this check: IAM decides those, and the local AWS does not model IAM permissions.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from localaws.ext_organizations import _find_account

ACTION = "events:PutEvents"
_ACTIONS = {ACTION.lower(), "events:*", "*"}
_OPERATORS = {"StringEquals", "StringNotEquals", "StringLike"}


@dataclass(frozen=True)
class Sender:
    """Who puts an event on another account's bus, and the event's own fields."""

    account: str
    source: str
    detail_type: str


def organization_of(account_id: str) -> str | None:
    """The id of the organization holding `account_id`, or None."""
    account = _find_account(account_id)
    return None if account is None else account.organization_id


def refusal(policy: str | None, bus_arn: str, sender: Sender) -> str | None:
    """None when `policy` lets `sender` put its event on the bus `bus_arn`; else why not, in the
    words of AWS's AccessDeniedException."""
    denied = (f"User: arn:aws:iam::{sender.account}:root is not authorized to perform: {ACTION} "
              f"on resource: {bus_arn}")
    if not policy:
        return f"{denied} because no resource-based policy allows the {ACTION} action"
    try:
        statements = json.loads(policy).get("Statement", [])
    except (ValueError, AttributeError):
        return f"{denied}: the bus policy is not JSON"
    if isinstance(statements, dict):
        statements = [statements]
    keys = _condition_keys(sender)
    allowed = False
    unread: list[str] = []
    for statement in statements:
        if not isinstance(statement, dict) or not _applies(statement, bus_arn, sender.account):
            continue
        matched, why = _conditions_hold(statement.get("Condition") or {}, keys)
        unread.extend(why)
        if not matched:
            continue
        if statement.get("Effect") == "Deny":
            return f"{denied} with an explicit deny in a resource-based policy"
        allowed = allowed or statement.get("Effect") == "Allow"
    if allowed:
        return None
    note = f" (conditions the local AWS does not evaluate: {', '.join(sorted(set(unread)))})" if unread else ""
    return f"{denied} because no resource-based policy allows the {ACTION} action{note}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _applies(statement: dict[str, Any], bus_arn: str, account: str) -> bool:
    actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
    if not any(a in _ACTIONS for a in actions):
        return False
    if not any(fnmatch.fnmatchcase(bus_arn, str(r)) for r in _as_list(statement.get("Resource", []))):
        return False
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    wanted = {str(p) for p in _as_list(principal.get("AWS", []))}
    return bool(wanted & {"*", account, f"arn:aws:iam::{account}:root"})


def _condition_keys(sender: Sender) -> dict[str, str | None]:
    return {
        "aws:principalorgid": organization_of(sender.account),
        "aws:principalaccount": sender.account,
        "events:source": sender.source,
        "events:detail-type": sender.detail_type,
    }


def _conditions_hold(condition: dict[str, Any], keys: dict[str, str | None]) -> tuple[bool, list[str]]:
    """Whether every condition holds; and those this module cannot evaluate (which never hold)."""
    unread: list[str] = []
    holds = True
    for operator, tests in condition.items():
        if operator not in _OPERATORS or not isinstance(tests, dict):
            unread.append(operator)
            holds = False
            continue
        for key, expected in tests.items():
            if key.lower() not in keys:
                unread.append(f"{operator} {key}")
                holds = False
                continue
            actual = keys[key.lower()]
            values = [str(v) for v in _as_list(expected)]
            if operator == "StringEquals":
                ok = actual is not None and actual in values
            elif operator == "StringLike":
                ok = actual is not None and any(fnmatch.fnmatchcase(actual, v) for v in values)
            else:
                ok = actual is None or actual not in values
            holds = holds and ok
    return holds, unread
