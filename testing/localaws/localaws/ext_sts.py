"""Makes moto 5.2.1's STS AssumeRole refuse roles that do not exist, as AWS does.

Stock moto hands out credentials for any role ARN, so a test cannot show what happens when
one member account lacks the role the provider or the enricher assumes. With this module,
AssumeRole into `arn:aws:iam::<account>:role/<path/><name>` fails with 403 AccessDenied
("User: <caller> is not authorized to perform: sts:AssumeRole on resource: <role>") unless
that role is in <account>'s IAM. Trust policies are not evaluated: existence only. The refusal's
body is STS's own (`<ErrorResponse><Error>...</Error><RequestId>`): moto's generic error body
nests `<Error>` in `<Errors>`, where the AWS SDK for Rust finds no code or message at all.

Roles moto creates with Organizations CreateAccount (OrganizationAccountAccessRole, trusting
the management account) exist, so the usual management -> member hop keeps working.

It also makes moto find a request's account in constant time: stock moto looks for the access key
in every account's IAM, partition by partition, on every request (bench/account_lookup.py
measures both). The answers are the same (see account_of_access_key).
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any
from xml.sax.saxutils import escape

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import AccessDeniedError
from moto.iam import models as iam_models
from moto.iam import utils as iam_utils
from moto.sts import models as sts_models
from moto.sts import responses as sts_responses

from localaws import require_moto

_ROLE_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):role/(?P<rest>.+)$")

_installed = False


class StsAccessDenied(AccessDeniedError):
    """AccessDenied in the body STS (the awsQuery protocol) answers with."""

    def __init__(self, user_arn: str, action: str):
        super().__init__(user_arn, action)
        self.description = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>Sender</Type><Code>{escape(self.error_type)}</Code>"
            f"<Message>{escape(self.message)}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        )


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        _patch_assume_role()
        # moto.core.responses imports this function at each call, so the module attribute is the hook.
        iam_models.get_account_id_from = account_of_access_key
        _installed = True
    return {}


def role_exists(role_arn: str) -> bool:
    """Whether the role named by this ARN is in its account's IAM."""
    match = _ROLE_ARN.match(role_arn or "")
    if not match:
        return False
    # A copy: other request threads may add roles meanwhile.
    return any(role.arn == role_arn for backend in _iam_backends(match["account"])
               for role in list(backend.get_roles()))


def _iam_backends(account: str) -> list[Any]:
    """The account's IAM backends (one per partition used), without creating any."""
    # Plain dict lookups: indexing moto's BackendDict would create an empty account.
    per_account = dict.get(iam_models.iam_backends, account)
    # A copy: other request threads may add partitions' backends meanwhile.
    return list(dict.values(per_account)) if per_account is not None else []


# Kept for the tests that compare both answers.
stock_account_of_access_key = iam_models.get_account_id_from


def encoded_account(access_key: str) -> str | None:
    """The account id a moto 5.2.1 access key id carries (as AWS's own ids do), or None.

    Layout (moto.iam.utils.generate_access_key_id_from_account_id): a 4-letter prefix, 8 base32
    characters of account_id // 2 + ACCOUNT_OFFSET, then one character whose half of the alphabet
    says whether the account id is odd.
    """
    alphabet = iam_utils.AWS_ROLE_ALPHABET
    if len(access_key) < 13 or any(c not in alphabet for c in access_key[4:13]):
        return None
    half = int.from_bytes(base64.b32decode(access_key[4:12]), byteorder="big") - iam_utils.ACCOUNT_OFFSET
    number = half * 2 + (1 if access_key[12] in alphabet[16:] else 0)
    return f"{number:012d}" if 0 <= number < 10**12 else None


def account_of_access_key(access_key: str) -> str:
    """The account whose IAM holds this access key; the default account when none does.

    Stock moto's get_account_id_from gives the same answer by looking in every account. Every key
    moto 5.2.1 stores (IAMBackend.access_keys, filled by create_access_key and
    create_temp_access_key) has an id made from its own backend's account id, so only the account
    the id names can hold it; a key that names none, like the `testing` test key, is in no IAM.
    """
    account = encoded_account(access_key)
    if account is not None and any(access_key in b.access_keys for b in _iam_backends(account)):
        return account
    return DEFAULT_ACCOUNT_ID


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
            raise StsAccessDenied(_caller_arn(self), f"sts:AssumeRole on resource: {role_arn}")
        return stock(self)

    sts_responses.TokenResponse.assume_role = assume_role
