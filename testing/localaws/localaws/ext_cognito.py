"""Cognito managed login (the hosted UI) for moto 5.2.1's user pools.

moto serves the Cognito user pool API and each pool's JWKS, but not the managed-login web
endpoints a browser app signs in through. This module adds them for every pool and app client
made through moto's API, on the same server. A real pool has its own domain; locally there is
one server for every pool, so the app's "Cognito domain" is the server's base URL
(`http://127.0.0.1:PORT`) and the client id in each request names the pool.

* `GET /oauth2/authorize?response_type=code&client_id&redirect_uri&state&scope
  &code_challenge&code_challenge_method=S256[&prompt=login]`: checks the client (OAuth enabled,
  flow `code`, the scopes among its AllowedOAuthScopes) and that redirect_uri is exactly one of
  its CallbackURLs, then shows a plain HTML sign-in form (no script). With a live sign-in session
  (cookie) for the same pool and no `prompt=login`, it redirects at once, as AWS does.
* `POST /login` (the form): the username and password are checked by moto's own InitiateAuth
  (USER_PASSWORD_AUTH) for that client; then 302 to `redirect_uri?code=...&state=...`. A code
  lives 5 minutes and serves once.
* `POST /oauth2/token` (form-encoded, grant_type=authorization_code, code, client_id,
  redirect_uri, code_verifier; a client with a secret authenticates with HTTP Basic or
  client_secret): `{id_token (when the scopes include openid), access_token, refresh_token,
  expires_in, token_type}`, issued by moto exactly as its InitiateAuth issues them, so they verify
  against moto's `/<user-pool-id>/.well-known/jwks.json`. Errors are RFC 6749's JSON
  (`invalid_grant`, `invalid_client`, `invalid_request`, `unsupported_grant_type`).
  A browser at the origin of one of the client's callback or logout URLs may read the answer (CORS).
* `GET /logout?client_id&logout_uri`: ends the sign-in session and 302s to logout_uri when it is
  exactly one of the client's LogoutURLs.

Errors that a redirect cannot carry safely (unknown client, redirect_uri not registered) answer
a 400 page; the rest go back to redirect_uri as `error=...&state=...` (RFC 6749 4.1.2.1).
These paths are taken from moto only for requests not signed with SigV4, so an S3 bucket named
`oauth2` still works. `/moto-api/reset` forgets codes and sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterable

from moto.cognitoidp import models as cognito_models
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import models as moto_api_models
from moto.moto_server import werkzeug_app
from werkzeug.wrappers import Request, Response

from localaws import require_moto

AUTHORIZE, LOGIN, TOKEN, LOGOUT = "/oauth2/authorize", "/login", "/oauth2/token", "/logout"

# Lifetimes (seconds): AWS's authorization codes last 5 minutes; the form and the session are
# local choices, long enough for a person and short enough not to outlive a test run by much.
CODE_TTL = 300
FORM_TTL = 600
SESSION_TTL = 3600
# Upper bound on each store, so a runaway client cannot grow the server without limit.
MAX_ENTRIES = 10_000

SESSION_COOKIE = "localaws_cognito_session"

_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")

_installed = False


@dataclass(frozen=True)
class Client:
    """A moto app client and where it lives."""

    backend: Any  # CognitoIdpBackend
    pool: Any  # CognitoIdpUserPool
    client: Any  # CognitoIdpUserPoolClient

    @property
    def id(self) -> str:
        return self.client.id

    def setting(self, name: str) -> list[str]:
        return list(self.client.extended_config.get(name) or [])

    def origins(self) -> set[str]:
        return {_origin(u) for u in self.setting("CallbackURLs") + self.setting("LogoutURLs")}


@dataclass(frozen=True)
class Pending:
    """An authorize request that passed its checks and waits for the form."""

    client_id: str
    redirect_uri: str
    state: str | None
    scopes: tuple[str, ...]
    challenge: str | None
    expires: float


@dataclass(frozen=True)
class Grant:
    """An issued authorization code's binding."""

    client_id: str
    pool_id: str
    redirect_uri: str
    username: str
    scopes: tuple[str, ...]
    challenge: str | None
    expires: float


@dataclass(frozen=True)
class Session:
    pool_id: str
    username: str
    expires: float


class _Store:
    """Expiring entries keyed by random tokens, bounded in number."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        self._lock = threading.Lock()

    def add(self, value: Any) -> str:
        key = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            for k in [k for k, v in self._items.items() if v.expires <= now]:
                del self._items[k]
            if len(self._items) >= MAX_ENTRIES:
                # Oldest first: dicts keep insertion order.
                del self._items[next(iter(self._items))]
            self._items[key] = value
        return key

    def get(self, key: str | None, *, remove: bool = False) -> Any:
        if not key:
            return None
        with self._lock:
            value = self._items.pop(key, None) if remove else self._items.get(key)
        if value is None or value.expires <= time.time():
            return None
        return value

    def remove(self, key: str | None) -> None:
        with self._lock:
            self._items.pop(key or "", None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_pending = _Store()
_codes = _Store()
_sessions = _Store()


def install() -> dict[tuple[str, str], Any]:
    global _installed
    require_moto(__name__)
    if not _installed:
        _patch_dispatcher()
        _patch_reset()
        _installed = True
    return {}


def _patch_dispatcher() -> None:
    stock = werkzeug_app.DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        signed = environ.get("HTTP_AUTHORIZATION", "").startswith("AWS4-")
        if path in (AUTHORIZE, LOGIN, TOKEN, LOGOUT) and not signed:
            return handle(Request(environ))(environ, start_response)
        return stock(self, environ, start_response)

    werkzeug_app.DomainDispatcherApplication.__call__ = call


def _patch_reset() -> None:
    stock = moto_api_models.MotoAPIBackend.reset

    def reset(self: Any) -> None:
        stock(self)
        for store in (_pending, _codes, _sessions):
            store.clear()

    moto_api_models.MotoAPIBackend.reset = reset


def handle(request: Request) -> Response:
    """The managed-login endpoint the request names."""
    route = (request.method, request.path)
    if route == ("GET", AUTHORIZE):
        return authorize(request)
    if route == ("POST", LOGIN):
        return login(request)
    if route == ("POST", TOKEN):
        return token(request)
    if route == ("OPTIONS", TOKEN):
        return preflight(request)
    if route == ("GET", LOGOUT):
        return logout(request)
    return _page(405, "Method not allowed", f"{request.method} is not served at {request.path}.")


# --- authorize and the form -------------------------------------------------------------------


def authorize(request: Request) -> Response:
    args = request.args
    client = find_client(args.get("client_id", ""))
    if client is None:
        return _page(400, "Sign-in error", "Unknown client_id.")
    redirect_uri = args.get("redirect_uri", "")
    if redirect_uri not in client.setting("CallbackURLs"):
        return _page(400, "Sign-in error", "redirect_uri is not one of this app client's callback URLs.")
    state = args.get("state")

    def refuse(error: str, description: str) -> Response:
        return _redirect(redirect_uri, {"error": error, "error_description": description, "state": state})

    if args.get("response_type") != "code":
        return refuse("unsupported_response_type", "only response_type=code is served")
    if not client.client.extended_config.get("AllowedOAuthFlowsUserPoolClient") or \
            "code" not in client.setting("AllowedOAuthFlows"):
        return refuse("unauthorized_client", "the app client does not allow the code flow")
    allowed = client.setting("AllowedOAuthScopes")
    scopes = tuple(args.get("scope", "").split()) or tuple(allowed)
    if any(s not in allowed for s in scopes):
        return refuse("invalid_scope", "a scope is not among the app client's allowed scopes")
    challenge, method = args.get("code_challenge"), args.get("code_challenge_method")
    if challenge is not None or method is not None:
        if method != "S256" or not _CHALLENGE.match(challenge or ""):
            return refuse("invalid_request", "code_challenge must be an S256 challenge")

    pending = Pending(client.id, redirect_uri, state, scopes, challenge, time.time() + FORM_TTL)
    session = _sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is not None and session.pool_id == client.pool.id and args.get("prompt") != "login" \
            and client.pool._get_user(session.username) is not None:
        return _grant(pending, client, session.username)
    return _form(client, _pending.add(pending))


def login(request: Request) -> Response:
    form = request.form
    pending: Pending | None = _pending.get(form.get("request"))
    if pending is None:
        return _page(400, "Sign-in expired", "This sign-in page has expired. Go back to the app and sign in again.")
    client = find_client(pending.client_id)
    if client is None:
        return _page(400, "Sign-in error", "The app client no longer exists.")
    username, password = form.get("username", ""), form.get("password", "")
    try:
        answer = client.backend.initiate_auth(
            client.id, "USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password})
    except JsonRESTError as err:
        if err.error_type in ("NotAuthorizedException", "UserNotFoundException"):
            message = "Incorrect username or password."
        elif err.error_type == "UserNotConfirmedException":
            message = "This user is not confirmed."
        else:
            message = f"{err.error_type}: {err.message}"
        return _form(client, form.get("request", ""), error=message, username=username)
    if "AuthenticationResult" not in answer:
        # The hosted UI would walk the challenge; tests set users up so that none is needed.
        return _form(client, form.get("request", ""), username=username, error=(
            f"This user must answer a {answer.get('ChallengeName')} challenge first, which local sign-in "
            "does not do (for a new user: AdminSetUserPassword with Permanent=true)."))
    _pending.remove(form.get("request"))
    # The name as typed, as moto's InitiateAuth issues tokens for it (an e-mail where the pool
    # signs in by e-mail).
    response = _grant(pending, client, username)
    key = _sessions.add(Session(client.pool.id, username, time.time() + SESSION_TTL))
    response.set_cookie(SESSION_COOKIE, key, max_age=SESSION_TTL, path="/", httponly=True, samesite="Lax")
    return response


def _grant(pending: Pending, client: Client, username: str) -> Response:
    code = _codes.add(Grant(client.id, client.pool.id, pending.redirect_uri, username, pending.scopes,
                            pending.challenge, time.time() + CODE_TTL))
    return _redirect(pending.redirect_uri, {"code": code, "state": pending.state})


def _form(client: Client, request_id: str, *, error: str | None = None, username: str = "") -> Response:
    name = client.client.extended_config.get("ClientName") or client.id
    alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = f"""<h1>Sign in</h1>
<p>to <strong>{html.escape(name)}</strong> (local user pool {html.escape(client.pool.id)})</p>
{alert}
<form method="post" action="{LOGIN}">
<input type="hidden" name="request" value="{html.escape(request_id)}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required value="{html.escape(username)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>"""
    return _html(401 if error else 200, "Sign in", body)


# --- token --------------------------------------------------------------------------------------


def token(request: Request) -> Response:
    form = request.form
    basic_id, basic_secret = _basic_auth(request)
    client_id = form.get("client_id") or basic_id or ""
    client = find_client(client_id)
    cors = _cors(request, client)
    if form.get("grant_type") != "authorization_code":
        return _oauth_error(400, "unsupported_grant_type", cors)
    if client is None:
        return _oauth_error(401, "invalid_client", cors)
    if client.client.generate_secret:
        secret = basic_secret if basic_id else form.get("client_secret")
        if secret is None or not hmac.compare_digest(secret, client.client.secret):
            return _oauth_error(401, "invalid_client", cors)
    # Popped first: a code serves once, also when this exchange fails.
    grant: Grant | None = _codes.get(form.get("code"), remove=True)
    if grant is None or grant.client_id != client.id or grant.pool_id != client.pool.id:
        return _oauth_error(400, "invalid_grant", cors)
    if form.get("redirect_uri") != grant.redirect_uri:
        return _oauth_error(400, "invalid_grant", cors)
    verifier = form.get("code_verifier")
    if grant.challenge is not None:
        if verifier is None or not _VERIFIER.match(verifier) or \
                not hmac.compare_digest(_s256(verifier), grant.challenge):
            return _oauth_error(400, "invalid_grant", cors)
    elif verifier is not None:
        return _oauth_error(400, "invalid_request", cors)
    user = client.pool._get_user(grant.username)
    if user is None or not user.enabled:
        return _oauth_error(400, "invalid_grant", cors)

    issued = client.backend._log_user_in(client.pool, client.client, grant.username)["AuthenticationResult"]
    body: dict[str, Any] = {
        "access_token": issued["AccessToken"],
        "refresh_token": issued["RefreshToken"],
        "expires_in": issued["ExpiresIn"],
        "token_type": issued["TokenType"],
    }
    if "openid" in grant.scopes:
        body["id_token"] = issued["IdToken"]
    return _json(200, body, cors)


def preflight(request: Request) -> Response:
    origin = request.headers.get("Origin", "")
    known = any(origin in c.origins() for c in all_clients())
    headers = {"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type, Authorization",
               "Vary": "Origin"}
    if known:
        headers["Access-Control-Allow-Origin"] = origin
    return Response(status=204 if known else 403, headers=headers)


def _cors(request: Request, client: Client | None) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if origin and client is not None and origin in client.origins():
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def _basic_auth(request: Request) -> tuple[str | None, str | None]:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return None, None
    return auth.username, auth.password


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- logout -------------------------------------------------------------------------------------


def logout(request: Request) -> Response:
    client = find_client(request.args.get("client_id", ""))
    if client is None:
        return _page(400, "Sign-out error", "Unknown client_id.")
    logout_uri = request.args.get("logout_uri", "")
    if logout_uri not in client.setting("LogoutURLs"):
        return _page(400, "Sign-out error", "logout_uri is not one of this app client's sign-out URLs.")
    _sessions.remove(request.cookies.get(SESSION_COOKIE))
    response = _redirect(logout_uri, {})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
    return response


# --- moto's clients -----------------------------------------------------------------------------


def all_clients() -> Iterable[Client]:
    """Every app client of every pool, in every account and region, without creating backends."""
    # Plain dict views and copies: indexing moto's BackendDict would create empty backends, and
    # request threads may add pools meanwhile.
    for per_account in list(dict.values(cognito_models.cognitoidp_backends)):
        for region, backend in list(dict.items(per_account)):
            if region == "global":
                continue
            for pool in list(backend.user_pools.values()):
                for client in list(pool.clients.values()):
                    yield Client(backend, pool, client)


def find_client(client_id: str) -> Client | None:
    if not client_id:
        return None
    return next((c for c in all_clients() if c.id == client_id), None)


# --- responses ----------------------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _redirect(uri: str, params: dict[str, str | None]) -> Response:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    target = uri + (("&" if "?" in uri else "?") + query if query else "")
    return Response(status=302, headers={"Location": target, "Cache-Control": "no-store"})


def _oauth_error(status: int, error: str, cors: dict[str, str]) -> Response:
    return _json(status, {"error": error}, cors)


def _json(status: int, body: dict[str, Any], headers: dict[str, str]) -> Response:
    import json

    return Response(json.dumps(body), status=status, mimetype="application/json",
                    headers={**headers, "Cache-Control": "no-store", "Pragma": "no-cache"})


def _page(status: int, title: str, message: str) -> Response:
    return _html(status, title, f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(message)}</p>")


_STYLE = """body{font:16px/1.5 system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
label,input,button{display:block;width:100%;box-sizing:border-box}
input{margin:.25rem 0 1rem;padding:.5rem;font:inherit;border:1px solid #57606a;border-radius:4px}
button{padding:.6rem;font:inherit;background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #bf4b00;outline-offset:2px}.error{color:#a40e26;font-weight:600}"""


def _html(status: int, title: str, body: str) -> Response:
    page = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} - local Cognito</title><style>{_STYLE}</style></head>"
            f"<body><main>\n{body}\n</main></body></html>\n")
    return Response(page, status=status, mimetype="text/html", headers={
        # No script at all; styles are the page's own.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    })
