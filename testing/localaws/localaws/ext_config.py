"""AWS Config compliance on moto 5.2.1, which keeps Config rules but never evaluates them.

A rule's evaluations are what its evaluator (a managed rule, or a custom rule's function calling
PutEvaluations) reported about each resource in scope. Locally nothing evaluates, so a seed
reports them: `POST /_localaws/config/evaluations` with `{"account_id", "region", "rule",
"evaluations": [{"resource_type", "resource_id", "compliance"}]}` records them for a rule that
exists (PutConfigRule first), the latest per resource winning, as Config keeps them. Then
DescribeComplianceByConfigRule and GetComplianceDetailsByConfigRule answer as AWS does:

- a rule with any NON_COMPLIANT resource is NON_COMPLIANT with their number
  (`ComplianceContributorCount`, capped at 100); else COMPLIANT when any resource complies; else
  INSUFFICIENT_DATA (nothing evaluated, or only NOT_APPLICABLE);
- details list each resource's latest evaluation of one rule, filtered by `ComplianceTypes`
  (default COMPLIANT and NON_COMPLIANT, as AWS), `Limit` at most 100 a page with `NextToken`;
- a rule that does not exist is NoSuchConfigRuleException.

`/moto-api/reset` forgets every evaluation.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

from localaws import CONTROL_PREFIX, require_moto

COMPLIANCE = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
CAP = 100
MAX_LIMIT = 100
_ACCOUNT = re.compile(r"^\d{12}$")

# (account, region, rule) -> {(resource type, resource id): (compliance, recorded at)}
_evaluations: dict[tuple[str, str, str], dict[tuple[str, str], tuple[str, float]]] = {}
_lock = threading.Lock()
_installed = False


def _backend(account: str, region: str) -> Any:
    from moto.config.models import config_backends

    return config_backends[account][region]


def record(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    account, region, rule = body.get("account_id"), body.get("region"), body.get("rule")
    evaluations = body.get("evaluations")
    if not isinstance(account, str) or not _ACCOUNT.match(account):
        return 400, {"error": "account_id: a 12-digit account id"}
    if not isinstance(region, str) or not isinstance(rule, str):
        return 400, {"error": "region and rule: strings"}
    if not isinstance(evaluations, list) or not evaluations:
        return 400, {"error": "evaluations: a non-empty list"}
    for n, e in enumerate(evaluations):
        if not isinstance(e, dict) or not all(isinstance(e.get(k), str) and e.get(k) for k in ("resource_type", "resource_id")):
            return 400, {"error": f"evaluations[{n}]: resource_type and resource_id strings"}
        if e.get("compliance") not in COMPLIANCE:
            return 400, {"error": f"evaluations[{n}].compliance: one of {list(COMPLIANCE)}"}
    if rule not in _backend(account, region).config_rules:
        return 404, {"error": f"no Config rule {rule} in {account} {region}"}
    now = time.time()
    with _lock:
        kept = _evaluations.setdefault((account, region, rule), {})
        for e in evaluations:
            kept[(e["resource_type"], e["resource_id"])] = (e["compliance"], now)
    return 200, {"rule": rule, "resources": len(kept)}


def _of(account: str, region: str, rule: str) -> dict[tuple[str, str], tuple[str, float]]:
    with _lock:
        return dict(_evaluations.get((account, region, rule), {}))


def compliance_of(evaluations: dict[tuple[str, str], tuple[str, float]]) -> dict[str, Any]:
    non = sum(1 for c, _ in evaluations.values() if c == "NON_COMPLIANT")
    if non:
        return {"ComplianceType": "NON_COMPLIANT",
                "ComplianceContributorCount": {"CappedCount": min(non, CAP), "CapExceeded": non > CAP}}
    if any(c == "COMPLIANT" for c, _ in evaluations.values()):
        return {"ComplianceType": "COMPLIANT"}
    return {"ComplianceType": "INSUFFICIENT_DATA"}


def _describe_compliance_by_config_rule(self: Any) -> str:
    from moto.config.exceptions import NoSuchConfigRuleException

    params = json.loads(self.body or "{}")
    rules = self.config_backend.config_rules
    names = params.get("ConfigRuleNames") or sorted(rules)
    wanted = set(params.get("ComplianceTypes") or [])
    answer = []
    for name in names:
        if name not in rules:
            raise NoSuchConfigRuleException(name)
        compliance = compliance_of(_of(self.current_account, self.region, name))
        if not wanted or compliance["ComplianceType"] in wanted:
            answer.append({"ConfigRuleName": name, "Compliance": compliance})
    return json.dumps({"ComplianceByConfigRules": answer})


def _get_compliance_details_by_config_rule(self: Any) -> str:
    from moto.config.exceptions import (InvalidNextTokenException, InvalidParameterValueException,
                                        NoSuchConfigRuleException)

    params = json.loads(self.body or "{}")
    name = params.get("ConfigRuleName")
    if name not in self.config_backend.config_rules:
        raise NoSuchConfigRuleException(str(name))
    wanted = set(params.get("ComplianceTypes") or ["COMPLIANT", "NON_COMPLIANT"])
    limit = params.get("Limit") or MAX_LIMIT
    if not isinstance(limit, int) or not 0 < limit <= MAX_LIMIT:
        raise InvalidParameterValueException(f"Limit must be from 1 to {MAX_LIMIT}")
    rows = sorted((k, v) for k, v in _of(self.current_account, self.region, name).items() if v[0] in wanted)
    token = params.get("NextToken")
    start = 0
    if token:
        if not str(token).isdigit() or int(token) > len(rows):
            raise InvalidNextTokenException()
        start = int(token)
    page = rows[start:start + limit]
    results = [{
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {"ConfigRuleName": name, "ResourceType": rtype, "ResourceId": rid},
            "OrderingTimestamp": at},
        "ComplianceType": compliance, "ResultRecordedTime": at, "ConfigRuleInvokedTime": at,
    } for (rtype, rid), (compliance, at) in page]
    out: dict[str, Any] = {"EvaluationResults": results}
    if start + limit < len(rows):
        out["NextToken"] = str(start + limit)
    return json.dumps(out)


def _patch_reset() -> None:
    from moto.moto_api._internal import models as moto_api_models

    stock = moto_api_models.MotoAPIBackend.reset

    def reset(self: Any) -> None:
        stock(self)
        with _lock:
            _evaluations.clear()

    moto_api_models.MotoAPIBackend.reset = reset


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        from moto.config.responses import ConfigResponse

        # moto dispatches a JSON operation to the response method of its snake_case name.
        ConfigResponse.describe_compliance_by_config_rule = _describe_compliance_by_config_rule
        ConfigResponse.get_compliance_details_by_config_rule = _get_compliance_details_by_config_rule
        _patch_reset()
        _installed = True
    return {("POST", CONTROL_PREFIX + "config/evaluations"): record}
