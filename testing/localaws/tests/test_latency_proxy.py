"""localaws.latency_proxy: its launcher protocol, the delay it adds, and that AWS calls pass through."""

from __future__ import annotations

import http.client
import http.server
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import unittest

from _launcher import PACKAGE_ROOT, Server, child_env

READY_TIMEOUT = 30
STOP_TIMEOUT = 10
DELAY_MS = 80


class Proxy:
    def __init__(self, target: str, delay_ms: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "localaws.latency_proxy", "--target", target,
             "--delay-ms", str(delay_ms), "--port", "0"],
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
            raise RuntimeError("latency_proxy did not print its READY line in time") from None
        prefix = "LATENCY_PROXY_READY "
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"unexpected first line from latency_proxy: {line!r}")
        self.endpoint = line[len(prefix):]

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


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every POST with its body; HTTP/1.1, so connections stay open between requests."""

    protocol_version = "HTTP/1.1"
    peers: list[tuple[str, int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).peers.append(self.client_address)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class LatencyProxy(unittest.TestCase):
    def start_echo(self) -> str:
        Echo.peers = []
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def start_proxy(self, target: str, delay_ms: float) -> Proxy:
        proxy = Proxy(target, delay_ms)
        self.addCleanup(proxy.stop)
        self.assertRegex(proxy.endpoint, r"^http://127\.0\.0\.1:\d+$")
        return proxy

    def test_every_request_on_a_keep_alive_connection_is_delayed(self) -> None:
        proxy = self.start_proxy(self.start_echo(), DELAY_MS)
        port = int(proxy.endpoint.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.addCleanup(conn.close)
        for i in range(3):
            body = f"request {i}".encode()
            started = time.monotonic()
            conn.request("POST", "/", body=body)
            response = conn.getresponse()
            answer = response.read()
            elapsed = time.monotonic() - started
            self.assertEqual(answer, body)
            # A lower bound only: the proxy must add its delay; how much more it takes is not asserted.
            self.assertGreaterEqual(elapsed, DELAY_MS / 1000.0, f"request {i}")
        self.assertEqual(len(set(Echo.peers)), 1, "all requests went over one upstream connection")

    def test_a_request_sent_in_pieces_arrives_whole_after_the_delay(self) -> None:
        proxy = self.start_proxy(self.start_echo(), DELAY_MS)
        port = int(proxy.endpoint.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.addCleanup(conn.close)
        started = time.monotonic()
        conn.putrequest("POST", "/")
        conn.putheader("Content-Length", "4")
        conn.endheaders()
        time.sleep(0.02)
        conn.send(b"body")
        answer = conn.getresponse().read()
        self.assertEqual(answer, b"body")
        self.assertGreaterEqual(time.monotonic() - started, DELAY_MS / 1000.0 + 0.02)

    def test_aws_calls_pass_through_to_the_local_aws(self) -> None:
        import boto3

        server = Server()
        self.addCleanup(server.stop)
        proxy = self.start_proxy(server.endpoint, 5)
        sts = boto3.client("sts", endpoint_url=proxy.endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")

    def test_stops_on_sigterm_and_when_stdin_closes(self) -> None:
        target = self.start_echo()
        by_signal = self.start_proxy(target, 1)
        os.kill(by_signal.proc.pid, signal.SIGTERM)
        self.assertEqual(by_signal.proc.wait(STOP_TIMEOUT), 0)
        by_stdin = self.start_proxy(target, 1)
        by_stdin.proc.stdin.close()
        self.assertEqual(by_stdin.proc.wait(STOP_TIMEOUT), 0)

    def test_refuses_targets_other_than_loopback(self) -> None:
        for target in ("http://10.0.0.1:80", "http://localhost:80", "https://127.0.0.1:443"):
            done = subprocess.run(
                [sys.executable, "-m", "localaws.latency_proxy", "--target", target, "--delay-ms", "1"],
                env=child_env(), cwd=PACKAGE_ROOT, capture_output=True, timeout=30, check=False,
            )
            self.assertEqual(done.returncode, 2, target)
            self.assertEqual(done.stdout, b"", target)


if __name__ == "__main__":
    unittest.main()
