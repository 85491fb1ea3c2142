"""localaws.fault_proxy: its launcher protocol, each fault kind in each protocol, the seeded plan,
the counters, and boto3 riding out 30% faults against the real local AWS."""

from __future__ import annotations

import http.client
import http.server
import json
import queue
import socket
import subprocess
import sys
import threading
import time
import unittest

from _launcher import PACKAGE_ROOT, Server, child_env

from localaws import fault_proxy

READY_TIMEOUT = 30
STOP_TIMEOUT = 10
MEMBER = "210987654321"


def sigv4(service: str, key: str = "testing") -> str:
    return (f"AWS4-HMAC-SHA256 Credential={key}/20250101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=00")


class Proxy:
    def __init__(self, target: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "localaws.fault_proxy", "--target", target, "--port", "0", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=child_env(), cwd=PACKAGE_ROOT,
        )
        lines: queue.Queue[bytes] = queue.Queue()
        # A reader thread, so the wait for the READY line is bounded by a timeout.
        threading.Thread(target=lambda: [lines.put(l) for l in self.proc.stdout], daemon=True).start()
        try:
            line = lines.get(timeout=READY_TIMEOUT).decode().strip()
        except queue.Empty:
            self.stop()
            raise RuntimeError("fault_proxy did not print its READY line in time") from None
        if not line.startswith(fault_proxy.READY_PREFIX):
            self.stop()
            raise RuntimeError(f"unexpected first line from fault_proxy: {line!r}")
        self.endpoint = line[len(fault_proxy.READY_PREFIX):]
        self.port = int(self.endpoint.rsplit(":", 1)[1])

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def stats(self) -> dict:
        conn = self.connection()
        try:
            conn.request("GET", "/_faultproxy/stats")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                stream.close()


class Upstream(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it received; AssumeRole as STS would, with keys per account."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, bytes]] = []

    def _answer(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = bytearray()
            for _ in range(1000):
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size + 2)[:-2]
            body = bytes(body)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append((self.command, self.path, body))
        if b"Action=AssumeRole" in body:
            account = body.split(b"%3A%3A")[1][:12].decode()
            answer = (f"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA{account}</AccessKeyId>"
                      f"</Credentials><AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/R/s</Arn>"
                      "</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>").encode()
        else:
            answer = json.dumps({"method": self.command, "path": self.path, "body": body.decode()}).encode()
        self.send_response(200)
        if self.path == "/chunked-answer":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (answer[:5], answer[5:]):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = do_GET = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


class FaultProxyUnit(unittest.TestCase):
    """The request parsing and the fault answers, in process."""

    def request(self, headers: list[tuple[str, str]], body: bytes = b"", target: str = "/") -> fault_proxy.Request:
        return fault_proxy.Request("POST", target, "HTTP/1.1", headers, body, b"")

    def test_the_service_comes_from_the_credential_scope_else_the_target(self) -> None:
        call = fault_proxy.describe(self.request([("Authorization", sigv4("iam"))],
                                                 b"Action=GetRole&RoleName=x"), {})
        self.assertEqual((call.service, call.operation, call.protocol), ("iam", "GetRole", "query"))
        call = fault_proxy.describe(self.request([("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")]), {})
        self.assertEqual((call.service, call.operation, call.protocol), ("cognito-idp", "InitiateAuth", "json"))
        call = fault_proxy.describe(self.request([], target="/bucket/key?X-Amz-Credential=AK%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"), {})
        self.assertEqual((call.service, call.access_key, call.protocol), ("s3", "AK", "s3"))
        call = fault_proxy.describe(self.request([("Authorization", sigv4("support", "ASIAKEY")),
                                                  ("X-Amz-Target", "AWSSupport_20130415.DescribeCases"),
                                                  ("amz-sdk-request", "attempt=3; max=6")]), {"ASIAKEY": MEMBER})
        self.assertEqual((call.operation, call.account, call.attempt, call.max_attempts),
                         ("DescribeCases", MEMBER, 3, 6))
        role = f"arn:aws:iam::{MEMBER}:role/Reader".replace(":", "%3A").replace("/", "%2F")
        call = fault_proxy.describe(self.request([("Authorization", sigv4("sts")),
                                                  ("Content-Type", "application/x-www-form-urlencoded")],
                                                 f"Action=AssumeRole&RoleArn={role}".encode()), {})
        self.assertEqual((call.operation, call.account), ("AssumeRole", MEMBER), "the role's account, not the caller's")

    def test_throttling_speaks_each_protocol(self) -> None:
        def answer(headers: list[tuple[str, str]], body: bytes = b"") -> tuple[str, dict[str, str], bytes]:
            call = fault_proxy.describe(self.request(headers, body), {})
            raw = fault_proxy.fault_answer("throttle", call, "rid-1", dict(headers).get("Content-Type"))
            head, _, payload = raw.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            fields = dict(line.split(": ", 1) for line in lines[1:])
            self.assertEqual(int(fields["Content-Length"]), len(payload))
            return lines[0], fields, payload

        status, fields, body = answer([("Authorization", sigv4("events")), ("X-Amz-Target", "AWSEvents.PutEvents"),
                                       ("Content-Type", "application/x-amz-json-1.1")])
        self.assertEqual(status, "HTTP/1.1 400 Bad Request")
        self.assertEqual(fields["x-amzn-errortype"], "ThrottlingException")
        self.assertEqual(json.loads(body)["__type"], "ThrottlingException")
        self.assertEqual(fields["Content-Type"], "application/x-amz-json-1.1")
        status, fields, body = answer([("Authorization", sigv4("athena")),
                                       ("X-Amz-Target", "AmazonAthena.StartQueryExecution")])
        self.assertEqual(json.loads(body)["__type"], "TooManyRequestsException")
        status, fields, body = answer([("Authorization", sigv4("sts"))], b"Action=GetCallerIdentity")
        self.assertEqual(status, "HTTP/1.1 400 Bad Request")
        self.assertIn(b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>", body)
        self.assertIn(b"<RequestId>rid-1</RequestId>", body)
        status, fields, body = answer([("Authorization", sigv4("lambda"))])
        self.assertEqual((status, fields["x-amzn-errortype"]), ("HTTP/1.1 429 Too Many Requests", "TooManyRequestsException"))
        status, _, body = answer([("Authorization", sigv4("ec2"))], b"Action=DescribeInstances")
        self.assertEqual(status, "HTTP/1.1 503 Service Unavailable")
        self.assertIn(b"<Code>RequestLimitExceeded</Code>", body)
        status, _, body = answer([("Authorization", sigv4("s3"))])
        self.assertIn(b"<Code>SlowDown</Code>", body)

    def test_kinds_parse_with_weights(self) -> None:
        self.assertEqual(fault_proxy.parse_kinds("throttle=2,500,reset=0.5"), {"throttle": 2.0, "500": 1.0, "reset": 0.5})
        for bad in ("", "boom", "slow=0", "throttle=-1"):
            with self.assertRaises(ValueError, msg=bad):
                fault_proxy.parse_kinds(bad)


class FaultProxyProcess(unittest.TestCase):
    def start_upstream(self) -> str:
        Upstream.seen = []
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def start_proxy(self, *args: str) -> Proxy:
        proxy = Proxy(self.start_upstream(), *args)
        self.addCleanup(proxy.stop)
        self.assertRegex(proxy.endpoint, r"^http://127\.0\.0\.1:\d+$")
        return proxy

    def post(self, conn: http.client.HTTPConnection, service: str, body: bytes = b"{}", path: str = "/",
             extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = {"Authorization": sigv4(service), "Content-Type": "application/x-amz-json-1.1"}
        if service == "support":
            headers["X-Amz-Target"] = "AWSSupport_20130415.DescribeCases"
        headers.update(extra or {})
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()

    def test_share_zero_forwards_everything_over_one_connection(self) -> None:
        proxy = self.start_proxy("--share", "0")
        conn = proxy.connection()
        self.addCleanup(conn.close)
        for i in range(3):
            status, _, body = self.post(conn, "support", f"request {i}".encode())
            self.assertEqual((status, json.loads(body)["body"]), (200, f"request {i}"))
        # A chunked request, and a chunked answer, pass through whole.
        conn.putrequest("POST", "/chunked-answer")
        conn.putheader("Authorization", sigv4("support"))
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        conn.send(b"4\r\nbody\r\n5\r\n-more\r\n0\r\n\r\n")
        response = conn.getresponse()
        self.assertEqual(json.loads(response.read())["body"], "body-more")
        stats = proxy.stats()
        self.assertEqual((stats["requests"], stats["forwarded"]), (4, 4))
        self.assertEqual(sum(stats["faults"].values()), 0)
        self.assertEqual(stats["by_service"]["support"]["requests"], 4)

    def test_every_kind_is_answered_as_described(self) -> None:
        cases = {
            "throttle": (400, "ThrottlingException"),
            "500": (500, "InternalFailure"),
            "503": (503, "ServiceUnavailable"),
        }
        for kind, (want_status, want_type) in cases.items():
            with self.subTest(kind):
                proxy = self.start_proxy("--share", "1", "--kinds", kind)
                conn = proxy.connection()
                self.addCleanup(conn.close)
                status, headers, body = self.post(conn, "support")
                self.assertEqual((status, headers["x-amzn-errortype"], json.loads(body)["__type"]),
                                 (want_status, want_type, want_type))
                # The connection stays usable after an error answer, and nothing reached the server.
                self.assertEqual(self.post(conn, "support")[0], want_status)
                self.assertEqual(Upstream.seen, [])
                self.assertEqual(proxy.stats()["faults"][kind], 2)

    def test_reset_closes_without_an_answer(self) -> None:
        proxy = self.start_proxy("--share", "1", "--kinds", "reset")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: {sigv4('events')}\r\n"
                         "Content-Length: 2\r\n\r\n{}".encode())
            try:
                answer = sock.recv(1024)
            except ConnectionResetError:
                answer = b""
            self.assertEqual(answer, b"")
        self.assertEqual(proxy.stats()["faults"]["reset"], 1)
        self.assertEqual(Upstream.seen, [])

    def test_slow_answers_late_after_the_server_did_the_work(self) -> None:
        proxy = self.start_proxy("--share", "1", "--kinds", "slow", "--slow-ms", "400")
        conn = proxy.connection()
        self.addCleanup(conn.close)
        started = time.monotonic()
        status, _, body = self.post(conn, "iam", b"Action=CreateRole")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.4)
        self.assertEqual(len(Upstream.seen), 1, "forwarded at once; only the answer waits")
        stats = proxy.stats()
        self.assertEqual((stats["faults"]["slow"], stats["forwarded"], stats["abandoned"], stats["waited"]), (1, 1, 0, 1))

    def test_a_client_that_times_out_abandons_the_slow_answer(self) -> None:
        proxy = self.start_proxy("--share", "1", "--kinds", "slow", "--slow-ms", "600")
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=0.2)
        with self.assertRaises(TimeoutError):
            self.post(conn, "iam", b"Action=CreateRole")
        conn.close()
        for _ in range(50):
            if proxy.stats()["abandoned"] == 1:
                break
            time.sleep(0.05)
        self.assertEqual((proxy.stats()["abandoned"], proxy.stats()["waited"]), (1, 0))

    def test_only_the_chosen_services_fault(self) -> None:
        proxy = self.start_proxy("--share", "1", "--services", "iam,sts", "--kinds", "500")
        conn = proxy.connection()
        self.addCleanup(conn.close)
        self.assertEqual(self.post(conn, "support")[0], 200)
        self.assertEqual(self.post(conn, "iam")[0], 500)
        # No SigV4 scope and no known target: never faulted.
        conn.request("GET", "/moto-api/data.json")
        response = conn.getresponse()
        response.read()
        self.assertEqual(response.status, 200)
        stats = proxy.stats()
        self.assertEqual(stats["by_service"]["support"]["forwarded"], 1)
        self.assertEqual(stats["by_service"]["iam"]["faults"]["500"], 1)
        self.assertEqual(stats["by_service"]["unknown"]["forwarded"], 1)

    def fault_sequence(self, seed: str) -> list[int]:
        proxy = self.start_proxy("--share", "0.5", "--kinds", "500", "--seed", seed)
        conn = proxy.connection()
        self.addCleanup(conn.close)
        return [self.post(conn, "support")[0] for _ in range(40)]

    def test_the_same_seed_gives_the_same_faults(self) -> None:
        first, again, other = self.fault_sequence("7"), self.fault_sequence("7"), self.fault_sequence("8")
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)
        self.assertTrue(5 < first.count(500) < 35, first)

    def test_retries_exhaustion_and_accounts_are_counted(self) -> None:
        proxy = self.start_proxy("--share", "0", "--fail-account", MEMBER)
        conn = proxy.connection()
        self.addCleanup(conn.close)
        other = "111122223333"
        for account in (other, MEMBER):
            role = f"arn:aws:iam::{account}:role/Reader".replace(":", "%3A").replace("/", "%2F")
            status, _, _ = self.post(conn, "sts", f"Action=AssumeRole&RoleArn={role}".encode(),
                                     extra={"Content-Type": "application/x-www-form-urlencoded",
                                            "amz-sdk-request": "attempt=1; max=2"})
            self.assertEqual(status, 200 if account == other else 400)
        # Keys the forwarded AssumeRole returned are known to belong to that account.
        self.assertEqual(self.post(conn, "support", extra={"Authorization": sigv4("support", f"ASIA{other}"),
                                                           "amz-sdk-request": "attempt=2; max=2"})[0], 200)
        status, _, _ = self.post(conn, "sts", f"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A{MEMBER}%3Arole%2FR".encode(),
                                 extra={"Content-Type": "application/x-www-form-urlencoded",
                                        "amz-sdk-request": "attempt=2; max=2"})
        self.assertEqual(status, 400)
        stats = proxy.stats()
        self.assertEqual((stats["requests"], stats["retries"], stats["forced"]), (4, 2, 2))
        self.assertEqual(stats["exhausted"], [{"service": "sts", "operation": "AssumeRole", "account": MEMBER,
                                               "attempt": 2, "kind": "throttle"}])

    def test_a_client_that_asks_to_close_gets_its_answer_then_the_end(self) -> None:
        proxy = self.start_proxy("--share", "0")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(b"GET /_faultproxy/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            for _ in range(100):
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
            self.assertTrue(answer.startswith(b"HTTP/1.1 200 "), answer[:80])
            self.assertIn(b'"requests": 0', answer)

    def test_malformed_requests_are_refused(self) -> None:
        proxy = self.start_proxy("--share", "0")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(b"NONSENSE\r\n\r\n")
            self.assertIn(b" 400 ", sock.recv(1024))
        self.assertEqual(proxy.stats()["malformed"], 1)

    def test_stops_when_stdin_closes_and_on_sigterm(self) -> None:
        target = self.start_upstream()
        proxy = Proxy(target)
        self.addCleanup(proxy.stop)
        proxy.proc.stdin.close()
        self.assertEqual(proxy.proc.wait(STOP_TIMEOUT), 0)
        proxy = Proxy(target)
        self.addCleanup(proxy.stop)
        proxy.proc.terminate()
        self.assertEqual(proxy.proc.wait(STOP_TIMEOUT), 0)

    def test_refuses_targets_off_loopback(self) -> None:
        proc = subprocess.run([sys.executable, "-m", "localaws.fault_proxy", "--target", "http://10.0.0.1:80"],
                              capture_output=True, env=child_env(), cwd=PACKAGE_ROOT, timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"127.0.0.1", proc.stderr)


class FaultProxyWithLocalAws(unittest.TestCase):
    def test_boto3_rides_out_30_percent_faults(self) -> None:
        import botocore.config

        server = Server()
        self.addCleanup(server.stop)
        proxy = Proxy(server.endpoint, "--share", "0.3", "--seed", "3", "--kinds", "throttle,500,503,reset")
        self.addCleanup(proxy.stop)
        proxy_server = Server.__new__(Server)
        proxy_server.endpoint = proxy.endpoint
        config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 12}, connect_timeout=2,
                                        read_timeout=5)
        iam = proxy_server.client("iam", config=config)
        sts = proxy_server.client("sts", config=config)
        for i in range(20):
            iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument="{}")
            self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")
        self.assertEqual(len(iam.list_roles()["Roles"]), 20)
        stats = proxy.stats()
        self.assertGreater(sum(stats["faults"].values()), 5, stats)
        self.assertGreater(stats["retries"], 5, stats)
        self.assertEqual(stats["exhausted_total"], 0, stats)


if __name__ == "__main__":
    unittest.main()
