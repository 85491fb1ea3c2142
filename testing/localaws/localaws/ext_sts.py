"""Makes moto 5.2.1's STS AssumeRole refuse roles that do not exist, as AWS does.

Stock moto hands out credentials for any role ARN, so a test cannot show what happens when
one member account lacks the role the provider or the enricher assumes. With this module,
AssumeRole into `arn:aws:iam::<account>:role/<path/><name>` fails with 403 AccessDenied
("User: <caller> is not authorized to perform: sts:AssumeRole on resource: <role>") unless
that role is in <account>'s IAM. Trust policies are not evaluated: existence only.

Roles moto creates with Organizations CreateAccount (OrganizationAccountAccessRole, trusting
the management account) exist, so the usual management -> member hop keeps working.
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.exceptions import AccessDeniedError
from moto.iam import models as iam_models
from moto.sts import models as sts_models
from moto.sts import responses as sts_responses

from localaws import require_moto

_ROLE_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):role/(?P<rest>.+)$")

_installed = False


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        _patch_assume_role()
        _installed = True
    return {}


def role_exists(role_arn: str) -> bool:
    """Whether the role named by this ARN is in its account's IAM."""
    match = _ROLE_ARN.match(role_arn or "")
    if not match:
        return False
    # Plain dict lookups: indexing moto's BackendDict would create an empty account.
    per_account = dict.get(iam_models.iam_backends, match["account"])
    if per_account is None:
        return False
    # Copies: other request threads may add backends or roles meanwhile.
    for backend in list(dict.values(per_account)):
        for role in list(backend.get_roles()):
            if role.arn == role_arn:
                return True
    return False


def _caller_arn(response: Any) -> str:
    access_key = response.get_access_key()
    backend = sts_models.sts_backends[response.current_account][response.partition]
    _, arn, _ = backend.get_caller_identity(access_key, response.region)
    return arn


def _patch_assume_role() -> None:
    stock = sts_responses.TokenResponse.assume_role

    def assume_role(self: sts_responses.TokenResponse) -> Any:
        role_arn = self._get_param("RoleArn")
        # A malformed ARN is left to stock moto; only well-formed role ARNs are checked.
        if _ROLE_ARN.match(role_arn or "") and not role_exists(role_arn):
            raise AccessDeniedError(_caller_arn(self), f"sts:AssumeRole on resource: {role_arn}")
        return stock(self)

    sts_responses.TokenResponse.assume_role = assume_role
