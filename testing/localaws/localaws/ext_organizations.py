"""Fills the AWS Organizations gaps of moto 5.2.1 that the project's tests depend on.

What stock moto 5.2.1 gets wrong, and what this module does about it:

* ListAccounts pages on JoinedTimestamp as if it were unique. Two accounts with the same
  timestamp make a pager resume at the wrong account and, with small pages, loop forever.
  Paging now resumes on the account Id.
* ListChildren ignores MaxResults and NextToken. It now pages like the other List calls.
* ListCreateAccountStatus hands back the page size as the next token, so a third page
  repeats the second one forever. It now hands back the real offset.
* `POST /moto-api/reset` leaves the member-to-management map behind, so a later call made
  with a stale member account's credentials fails with a 500. Reset now clears it.
* No API makes an account INVITED, PENDING_CLOSURE or sets when it joined (moto has no
  handshakes, and CloseAccount goes straight to SUSPENDED). The control endpoint
  `POST /_localaws/organizations/account` sets those fields on an existing account.

Everything here patches moto classes in place and is tied to moto 5.2.1: `install()` refuses
to run against another release, because a silent mismatch would make tests lie.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import moto
from moto.core.utils import utcnow
from moto.moto_api._internal import models as moto_api_models
from moto.organizations import models as org_models
from moto.organizations import responses as org_responses
from moto.organizations import utils as org_utils
from moto.utilities.paginator import Paginator

from localaws import MOTO_VERSION

ACCOUNT_STATUSES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE")
ACCOUNT_STATES = ("PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED")
JOINED_METHODS = ("CREATED", "INVITED")

# moto's own default page size for ListChildren-like calls.
_DEFAULT_PAGE = 20

_installed = False


def install() -> dict[tuple[str, str], Any]:
    """Patch moto once; return this extension's control routes."""
    global _installed
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"localaws.ext_organizations patches moto {MOTO_VERSION} internals but moto "
            f"{moto.__version__} is installed; re-check every patch before changing the pin"
        )
    if not _installed:
        _patch_list_accounts_paging()
        _patch_list_children_paging()
        _patch_list_create_account_status()
        _patch_reset()
        _installed = True
    return {("POST", "/_localaws/organizations/account"): set_account}


def _patch_list_accounts_paging() -> None:
    # moto's paginator reads its model dict at call time, so editing it in place is enough.
    org_utils.PAGINATION_MODEL["list_accounts"]["unique_attribute"] = "Id"


def _patch_list_children_paging() -> None:
    def list_children(self: org_responses.OrganizationsResponse) -> str:
        parent_id = self._get_param("ParentId")
        child_type = self._get_param("ChildType")
        children = self.organizations_backend.list_children(
            ParentId=parent_id, ChildType=child_type
        )["Children"]
        paginator = Paginator(
            max_results=self._get_param("MaxResults"),
            max_results_default=_DEFAULT_PAGE,
            starting_token=self._get_param("NextToken"),
            unique_attribute="Id",
            param_values_to_check={"ParentId": parent_id, "ChildType": child_type},
        )
        page, next_token = paginator.paginate(children)
        response: dict[str, Any] = {"Children": page}
        if next_token:
            response["NextToken"] = next_token
        return json.dumps(response)

    org_responses.OrganizationsResponse.list_children = list_children


def _patch_list_create_account_status() -> None:
    stock = org_models.OrganizationsBackend.list_create_account_status

    def list_create_account_status(
        self: org_models.OrganizationsBackend, **kwargs: Any
    ) -> dict[str, Any]:
        start = int(kwargs.get("NextToken") or 0)
        # Ask stock moto for everything from this offset on, then cut the page ourselves.
        everything = stock(self, **{**kwargs, "NextToken": None, "MaxResults": 1 << 30})
        statuses = everything["CreateAccountStatuses"][start:]
        size = int(kwargs.get("MaxResults") or 123)
        response: dict[str, Any] = {"CreateAccountStatuses": statuses[:size]}
        if len(statuses) > size:
            response["NextToken"] = str(start + size)
        return response

    org_models.OrganizationsBackend.list_create_account_status = list_create_account_status


def _patch_reset() -> None:
    stock = moto_api_models.MotoAPIBackend.reset

    def reset(self: moto_api_models.MotoAPIBackend) -> None:
        stock(self)
        org_models.organizations_backends.master_accounts.clear()

    moto_api_models.MotoAPIBackend.reset = reset


def _find_account(account_id: str) -> Any:
    """The FakeAccount with this id in whichever organization holds it, or None."""
    # Plain dict views: moto's own lookups would create empty backends as a side effect.
    for per_account in dict.values(org_models.organizations_backends):
        for backend in dict.values(per_account):
            if backend.org is None:
                continue
            for account in backend.accounts:
                if account.id == account_id:
                    return account
    return None


def _parse_timestamp(value: Any) -> datetime.datetime:
    """RFC 3339 text or epoch seconds, as the naive UTC datetime moto stores."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        aware = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    elif isinstance(value, str):
        aware = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if aware.tzinfo is None:
            raise ValueError("joined_timestamp needs a UTC offset or 'Z'")
    else:
        raise ValueError("joined_timestamp must be RFC 3339 text or epoch seconds")
    return aware.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def set_account(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Control endpoint: set status/state, joined method or joined time of one account.

    Body: {"account_id": "...", "status"?: ACTIVE|SUSPENDED|PENDING_CLOSURE,
    "state"?: one of ACCOUNT_STATES (defaults to the status), "joined_method"?: CREATED|INVITED,
    "joined_timestamp"?: RFC 3339 or epoch seconds}. Answers with the account as
    DescribeAccount would show it.
    """
    account_id = body.get("account_id")
    if not isinstance(account_id, str):
        return 400, {"error": "account_id (string) is required"}
    status = body.get("status")
    state = body.get("state", status)
    joined_method = body.get("joined_method")
    if status is not None and status not in ACCOUNT_STATUSES:
        return 400, {"error": f"status must be one of {ACCOUNT_STATUSES}"}
    if state is not None and state not in ACCOUNT_STATES:
        return 400, {"error": f"state must be one of {ACCOUNT_STATES}"}
    if joined_method is not None and joined_method not in JOINED_METHODS:
        return 400, {"error": f"joined_method must be one of {JOINED_METHODS}"}
    joined_at = None
    if "joined_timestamp" in body:
        try:
            joined_at = _parse_timestamp(body["joined_timestamp"])
        except (ValueError, OverflowError, OSError) as err:
            return 400, {"error": str(err)}
        if joined_at > utcnow():
            return 400, {"error": "joined_timestamp is in the future"}

    account = _find_account(account_id)
    if account is None:
        return 404, {"error": f"account {account_id} is in no organization"}
    if status is not None:
        account.status = status
    if state is not None:
        account.state = state
    if joined_method is not None:
        account.joined_method = joined_method
    if joined_at is not None:
        account.create_time = joined_at
    return 200, {"Account": account.describe()}
