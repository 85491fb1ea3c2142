"""Cognito managed login on moto's user pools (ext_cognito): authorization code + PKCE, tokens
that verify against the pool's JWKS, sign-in sessions and sign-out, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import http.cookiejar
import json
import re
import secrets
import unittest
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from _launcher import Server

# Never fetched: the flow stops at the 302 that names it.
APP = "http://127.0.0.1:9"
CALLBACK = f"{APP}/callback"
SIGNED_OUT = f"{APP}/signed-out"
USER, PASSWORD = "oncall", "Corr3ct-Horse!"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any) -> None:
        return None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce() -> tuple[str, str]:
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def verify_rs256(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The claims of a JWT whose RS256 signature one of the JWKS keys verifies (raises otherwise)."""
    head, payload, signature = token.split(".")
    header = json.loads(unb64url(head))
    assert header["alg"] == "RS256", header
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = rsa.RSAPublicNumbers(int.from_bytes(unb64url(key["e"]), "big"),
                                  int.from_bytes(unb64url(key["n"]), "big")).public_key()
    public.verify(unb64url(signature), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return json.loads(unb64url(payload))


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects, like a browser's view of each hop."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.endpoint + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read().decode()


class HostedUi(unittest.TestCase):
    server: Server

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        cls.addClassCleanup(cls.server.stop)
        status, health = cls.server.post("/_localaws/health")
        assert "localaws.ext_cognito" in health.get("extensions", []), health
        idp = cls.server.client("cognito-idp", region="eu-west-1")
        cls.idp = idp
        cls.pool_id = idp.create_user_pool(PoolName="cima-console")["UserPool"]["Id"]
        cls.client_id = idp.create_user_pool_client(
            UserPoolId=cls.pool_id, ClientName="CIMA console", GenerateSecret=False,
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email", "profile"], SupportedIdentityProviders=["COGNITO"],
            CallbackURLs=[CALLBACK], LogoutURLs=[SIGNED_OUT],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=cls.pool_id, Username=USER, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "oncall@example.com"}])
        idp.admin_set_user_password(UserPoolId=cls.pool_id, Username=USER, Password=PASSWORD, Permanent=True)
        attributes = idp.admin_get_user(UserPoolId=cls.pool_id, Username=USER)["UserAttributes"]
        cls.sub = next(a["Value"] for a in attributes if a["Name"] == "sub")

    def authorize_query(self, **overrides: str) -> str:
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": CALLBACK,
                  "state": "st-" + secrets.token_hex(4), "scope": "openid email"}
        params.update(overrides)
        return "/oauth2/authorize?" + urllib.parse.urlencode({k: v for k, v in params.items() if v})

    def sign_in(self, browser: Browser, challenge: str | None, password: str = PASSWORD,
                **overrides: str) -> tuple[int, dict[str, str], str]:
        """Opens the form and posts the credentials; returns the form post's answer."""
        extra = {"code_challenge": challenge, "code_challenge_method": "S256"} if challenge else {}
        status, _, page = browser.request("GET", self.authorize_query(**extra, **overrides))
        self.assertEqual(status, 200, page)
        request_id = re.search(r'name="request" value="([^"]+)"', page)
        self.assertIsNotNone(request_id, page)
        return browser.request("POST", "/login", {"request": request_id.group(1), "username": USER,
                                                 "password": password})

    def code_from(self, headers: dict[str, str], state: str | None = None) -> str:
        location = urllib.parse.urlsplit(headers["Location"])
        self.assertEqual(f"{location.scheme}://{location.netloc}{location.path}", CALLBACK)
        query = dict(urllib.parse.parse_qsl(location.query))
        if state is not None:
            self.assertEqual(query.get("state"), state)
        self.assertIn("code", query, headers["Location"])
        return query["code"]

    def exchange(self, code: str, verifier: str | None, redirect_uri: str = CALLBACK,
                 origin: str | None = None) -> tuple[int, dict[str, str], dict[str, Any]]:
        form = {"grant_type": "authorization_code", "client_id": self.client_id, "code": code,
                "redirect_uri": redirect_uri}
        if verifier is not None:
            form["code_verifier"] = verifier
        status, headers, body = Browser(self.server.endpoint).request(
            "POST", "/oauth2/token", form, headers={"Origin": origin} if origin else None)
        return status, headers, json.loads(body)

    def test_code_and_pkce_round_trip_gives_tokens_the_pools_jwks_verifies(self) -> None:
        browser = Browser(self.server.endpoint)
        verifier, challenge = pkce()
        status, headers, _ = self.sign_in(browser, challenge, state="round-trip")
        self.assertEqual(status, 302)
        code = self.code_from(headers, state="round-trip")

        status, headers, tokens = self.exchange(code, verifier, origin=APP)
        self.assertEqual(status, 200, tokens)
        self.assertEqual(tokens["token_type"], "Bearer")
        self.assertGreater(tokens["expires_in"], 0)
        self.assertIn("refresh_token", tokens)
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), APP)
        self.assertEqual(headers.get("Cache-Control"), "no-store")

        _, _, jwks_text = browser.request("GET", f"/{self.pool_id}/.well-known/jwks.json")
        jwks = json.loads(jwks_text)
        claims = verify_rs256(tokens["id_token"], jwks)
        self.assertEqual(claims["sub"], self.sub)
        self.assertEqual(claims["aud"], self.client_id)
        self.assertEqual(claims["token_use"], "id")
        self.assertEqual(claims["cognito:username"], USER)
        self.assertTrue(claims["iss"].endswith("/" + self.pool_id), claims["iss"])
        access = verify_rs256(tokens["access_token"], jwks)
        self.assertEqual((access["token_use"], access["client_id"], access["sub"]), ("access", self.client_id, self.sub))

        # A token signed by anything else fails the same check (the check can fail).
        head, payload, signature = tokens["id_token"].split(".")
        forged = f"{head}.{b64url(json.dumps({**claims, 'sub': 'someone-else'}).encode())}.{signature}"
        with self.assertRaises(Exception):
            verify_rs256(forged, jwks)

    def test_wrong_password_shows_the_form_again_without_a_code(self) -> None:
        status, headers, page = self.sign_in(Browser(self.server.endpoint), pkce()[1], password="wrong")
        self.assertEqual(status, 401)
        self.assertNotIn("Location", headers)
        self.assertIn("Incorrect username or password.", page)
        self.assertIn('name="password"', page)
        self.assertNotIn("<script", page)

    def test_unknown_user_is_refused_like_a_wrong_password(self) -> None:
        browser = Browser(self.server.endpoint)
        status, _, page = browser.request("GET", self.authorize_query())
        request_id = re.search(r'name="request" value="([^"]+)"', page).group(1)
        status, headers, page = browser.request("POST", "/login", {"request": request_id, "username": "nobody",
                                                                   "password": PASSWORD})
        self.assertEqual(status, 401)
        self.assertNotIn("Location", headers)
        self.assertIn("Incorrect username or password.", page)

    def test_redirect_uri_must_be_a_registered_callback(self) -> None:
        browser = Browser(self.server.endpoint)
        for uri in ("http://127.0.0.1:9/elsewhere", CALLBACK + "/", "http://127.0.0.1:10/callback"):
            status, headers, page = browser.request("GET", self.authorize_query(redirect_uri=uri))
            self.assertEqual(status, 400, uri)
            self.assertNotIn("Location", headers)
            self.assertIn("callback URLs", page)
        status, _, page = browser.request("GET", self.authorize_query(client_id="nosuchclient"))
        self.assertEqual(status, 400)

    def test_bad_authorize_parameters_go_back_to_the_app_as_errors(self) -> None:
        browser = Browser(self.server.endpoint)
        cases = {
            "unsupported_response_type": {"response_type": "token"},
            "invalid_scope": {"scope": "openid admin"},
            "invalid_request": {"code_challenge": "short", "code_challenge_method": "S256"},
        }
        for error, overrides in cases.items():
            status, headers, _ = browser.request("GET", self.authorize_query(state="s1", **overrides))
            self.assertEqual(status, 302, error)
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(headers["Location"]).query))
            self.assertEqual((query.get("error"), query.get("state")), (error, "s1"))
        # plain is not offered, only S256.
        _, challenge = pkce()
        status, headers, _ = browser.request("GET", self.authorize_query(code_challenge=challenge,
                                                                          code_challenge_method="plain"))
        self.assertIn("error=invalid_request", headers["Location"])

    def test_wrong_or_missing_verifier_is_refused(self) -> None:
        for verifier in (pkce()[0], None):
            browser = Browser(self.server.endpoint)
            _, challenge = pkce()
            _, headers, _ = self.sign_in(browser, challenge)
            status, _, body = self.exchange(self.code_from(headers), verifier)
            self.assertEqual((status, body), (400, {"error": "invalid_grant"}), verifier)

    def test_a_code_serves_once_and_only_at_its_redirect_uri(self) -> None:
        verifier, challenge = pkce()
        _, headers, _ = self.sign_in(Browser(self.server.endpoint), challenge)
        code = self.code_from(headers)
        self.assertEqual(self.exchange(code, verifier)[0], 200)
        self.assertEqual(self.exchange(code, verifier)[:3:2], (400, {"error": "invalid_grant"}))

        verifier, challenge = pkce()
        _, headers, _ = self.sign_in(Browser(self.server.endpoint), challenge)
        code = self.code_from(headers)
        self.assertEqual(self.exchange(code, verifier, redirect_uri=SIGNED_OUT)[:3:2], (400, {"error": "invalid_grant"}))
        # The failed exchange used the code up too.
        self.assertEqual(self.exchange(code, verifier)[:3:2], (400, {"error": "invalid_grant"}))

    def test_token_endpoint_refusals(self) -> None:
        browser = Browser(self.server.endpoint)
        status, _, body = browser.request("POST", "/oauth2/token", {"grant_type": "password", "client_id": self.client_id})
        self.assertEqual((status, json.loads(body)), (400, {"error": "unsupported_grant_type"}))
        status, headers, body = browser.request(
            "POST", "/oauth2/token", {"grant_type": "authorization_code", "client_id": "nosuchclient", "code": "x"},
            headers={"Origin": APP})
        self.assertEqual((status, json.loads(body)), (401, {"error": "invalid_client"}))
        self.assertNotIn("Access-Control-Allow-Origin", headers)
        status, headers, body = browser.request(
            "POST", "/oauth2/token", {"grant_type": "authorization_code", "client_id": self.client_id, "code": "x"},
            headers={"Origin": "http://127.0.0.1:8"})
        self.assertEqual((status, json.loads(body)), (400, {"error": "invalid_grant"}))
        # Another origin may not read the answer.
        self.assertNotIn("Access-Control-Allow-Origin", headers)

    def test_scopes_without_openid_get_no_id_token(self) -> None:
        verifier, challenge = pkce()
        _, headers, _ = self.sign_in(Browser(self.server.endpoint), challenge, scope="email")
        status, _, tokens = self.exchange(self.code_from(headers), verifier)
        self.assertEqual(status, 200)
        self.assertNotIn("id_token", tokens)
        self.assertIn("access_token", tokens)

    def test_session_signs_in_again_without_the_form_until_logout(self) -> None:
        browser = Browser(self.server.endpoint)
        verifier, challenge = pkce()
        _, headers, _ = self.sign_in(browser, challenge)
        self.code_from(headers)

        verifier, challenge = pkce()
        status, headers, _ = browser.request("GET", self.authorize_query(
            state="again", code_challenge=challenge, code_challenge_method="S256"))
        self.assertEqual(status, 302)
        self.assertEqual(self.exchange(self.code_from(headers, state="again"), verifier)[0], 200)
        # prompt=login asks for the password even with a session.
        status, _, page = browser.request("GET", self.authorize_query(prompt="login"))
        self.assertEqual(status, 200)
        self.assertIn('name="password"', page)

        status, headers, _ = browser.request("GET", "/logout?" + urllib.parse.urlencode(
            {"client_id": self.client_id, "logout_uri": CALLBACK}))
        self.assertEqual(status, 400)
        self.assertNotIn("Location", headers)
        status, headers, _ = browser.request("GET", "/logout?" + urllib.parse.urlencode(
            {"client_id": self.client_id, "logout_uri": SIGNED_OUT}))
        self.assertEqual((status, headers.get("Location")), (302, SIGNED_OUT))
        status, _, page = browser.request("GET", self.authorize_query())
        self.assertEqual(status, 200)
        self.assertIn('name="password"', page)

    def test_form_escapes_what_it_echoes(self) -> None:
        browser = Browser(self.server.endpoint)
        _, _, page = browser.request("GET", self.authorize_query())
        request_id = re.search(r'name="request" value="([^"]+)"', page).group(1)
        status, headers, page = browser.request("POST", "/login", {
            "request": request_id, "username": '"><script>alert(1)</script>', "password": "x"})
        self.assertEqual(status, 401)
        self.assertNotIn("<script>", page)
        self.assertIn("&lt;script&gt;", page)
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])

    def test_expired_form_and_signed_requests_are_left_alone(self) -> None:
        browser = Browser(self.server.endpoint)
        status, _, page = browser.request("POST", "/login", {"request": "nope", "username": USER, "password": PASSWORD})
        self.assertEqual(status, 400)
        self.assertIn("expired", page)
        # A SigV4-signed request to the same path is moto's (here: S3 path-style), not the hosted UI.
        s3 = self.server.client("s3")
        s3.create_bucket(Bucket="oauth2")
        s3.put_object(Bucket="oauth2", Key="token", Body=b"object")
        self.assertEqual(s3.get_object(Bucket="oauth2", Key="token")["Body"].read(), b"object")


class Expiry(unittest.TestCase):
    """Codes and forms expire: checked in process with the clock moved, no waiting."""

    def test_entries_expire_and_the_store_is_bounded(self) -> None:
        from unittest import mock

        from localaws import ext_cognito

        store = ext_cognito._Store()
        now = 1_000_000.0
        with mock.patch.object(ext_cognito.time, "time", return_value=now):
            key = store.add(ext_cognito.Session("p", "u", now + ext_cognito.CODE_TTL))
            self.assertIsNotNone(store.get(key))
        with mock.patch.object(ext_cognito.time, "time", return_value=now + ext_cognito.CODE_TTL):
            self.assertIsNone(store.get(key))
        with mock.patch.object(ext_cognito, "MAX_ENTRIES", 3), \
                mock.patch.object(ext_cognito.time, "time", return_value=now):
            keys = [store.add(ext_cognito.Session("p", str(i), now + 60)) for i in range(4)]
            self.assertIsNone(store.get(keys[0]))
            self.assertEqual([store.get(k).username for k in keys[1:]], ["1", "2", "3"])


if __name__ == "__main__":
    unittest.main()
