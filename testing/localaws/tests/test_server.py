"""The launcher protocol of localaws.server: one READY line, and every way it stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from unittest import mock

import boto3

from _launcher import PACKAGE_ROOT, Server, child_env

STOP_TIMEOUT = 10


class Lifecycle(unittest.TestCase):
    def test_stops_when_stdin_closes(self) -> None:
        server = Server()
        self.addCleanup(server.stop)
        server.proc.stdin.close()
        self.assertEqual(server.proc.wait(STOP_TIMEOUT), 0)

    def test_stops_on_sigterm(self) -> None:
        server = Server()
        self.addCleanup(server.stop)
        os.kill(server.proc.pid, signal.SIGTERM)
        self.assertEqual(server.proc.wait(STOP_TIMEOUT), 0)

    def test_ready_line_is_the_only_stdout(self) -> None:
        server = Server()
        self.addCleanup(server.stop)
        self.assertRegex(server.endpoint, r"^http://127\.0\.0\.1:\d+$")
        server.seed(3, seed=1)
        server.proc.stdin.close()
        server.proc.wait(STOP_TIMEOUT)
        time.sleep(0.1)
        self.assertTrue(server.extra_stdout.empty())

    def test_max_lifetime_stops_server(self) -> None:
        proc = subprocess.Popen(
            [sys.executable, "-m", "localaws.server", "--port", "0", "--max-lifetime", "0.5"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=child_env(), cwd=PACKAGE_ROOT,
        )
        try:
            self.assertEqual(proc.wait(30), 0)
            self.assertTrue(proc.stdout.readline().startswith(b"LOCALAWS_READY http://127.0.0.1:"))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(STOP_TIMEOUT)
            proc.stdin.close()
            proc.stdout.close()


class RequestLog(unittest.TestCase):
    def test_names_each_operation_with_its_times(self) -> None:
        log = os.path.join(tempfile.mkdtemp(), "requests.tsv")
        server = Server("--request-log", log)
        self.addCleanup(server.stop)
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                        region_name="us-east-1")
        # One query protocol (form body), one JSON protocol (X-Amz-Target), one REST-XML.
        session.client("sts", endpoint_url=server.endpoint).get_caller_identity()
        session.client("events", endpoint_url=server.endpoint).list_event_buses()
        session.client("s3", endpoint_url=server.endpoint).list_buckets()
        server.proc.stdin.close()
        self.assertEqual(server.proc.wait(STOP_TIMEOUT), 0)
        with open(log, encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f]
        self.assertEqual([r[0] for r in rows], ["GetCallerIdentity", "AWSEvents.ListEventBuses", "GET /"])
        for _, wall, cpu in rows:
            self.assertGreater(float(wall), 0.0)
            self.assertGreaterEqual(float(cpu), 0.0)


class ModuleList(unittest.TestCase):
    def test_listed_once_with_the_same_answer(self) -> None:
        import moto.backends

        from localaws import server

        stock = moto.backends.list_of_moto_modules
        self.addCleanup(setattr, moto.backends, "list_of_moto_modules", stock)
        server.read_module_list_once()
        self.assertEqual(list(moto.backends.list_of_moto_modules()), list(stock()))
        self.assertIn("support", moto.backends.list_of_moto_modules())
        # Served from memory: the package directory is not read again.
        with mock.patch("os.listdir", side_effect=AssertionError("listed again")):
            self.assertIn("sts", moto.backends.list_of_moto_modules())


if __name__ == "__main__":
    unittest.main()
