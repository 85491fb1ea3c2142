"""Starts and stops localaws servers for the unittest suite (the same protocol cima-testkit uses)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
READY_TIMEOUT = 60
STOP_TIMEOUT = 10
SEED_TIMEOUT = 120

if PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PACKAGE_ROOT)


def child_env() -> dict[str, str]:
    """This process's environment without AWS or moto settings, plus the fixed test keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env.update(
        PYTHONPATH=PACKAGE_ROOT,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    return env


class Server:
    def __init__(self, *extra_args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "localaws.server", "--port", "0", *extra_args],
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
            raise RuntimeError("localaws did not print its READY line in time") from None
        prefix = "LOCALAWS_READY "
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"unexpected first line from localaws: {line!r}")
        self.endpoint = line[len(prefix):]
        self.extra_stdout = lines

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

    def client(self, service: str, region: str = "us-east-1", config: Any = None, **credentials: str) -> Any:
        import boto3

        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=region, config=config,
            aws_access_key_id=credentials.get("key", "testing"),
            aws_secret_access_key=credentials.get("secret", "testing"),
            aws_session_token=credentials.get("token"),
        )

    def assume(self, account_id: str, role: str = "OrganizationAccountAccessRole",
               session: str = "localaws-test") -> dict[str, str]:
        """Credentials (as keyword arguments for client()) of a role session in account_id."""
        credentials = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName=session)["Credentials"]
        return {"key": credentials["AccessKeyId"], "secret": credentials["SecretAccessKey"],
                "token": credentials["SessionToken"]}

    def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.endpoint + path, data=json.dumps(body or {}).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def seed(self, accounts: int, seed: int, suspended: int = 0, invited: int | None = None) -> dict[str, Any]:
        args = [sys.executable, "-m", "localaws.seed", "org", "--endpoint", self.endpoint,
                "--accounts", str(accounts), "--seed", str(seed), "--suspended", str(suspended)]
        if invited is not None:
            args += ["--invited", str(invited)]
        done = subprocess.run(args, env=child_env(), cwd=PACKAGE_ROOT, capture_output=True,
                              timeout=SEED_TIMEOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"seed failed: {done.stderr.decode()}")
        return json.loads(done.stdout)

    def seed_cases(self, seed: int, per_account: int, *extra: str) -> dict[str, Any]:
        args = [sys.executable, "-m", "localaws.seed", "cases", "--endpoint", self.endpoint,
                "--seed", str(seed), "--per-account", str(per_account), *extra]
        done = subprocess.run(args, env=child_env(), cwd=PACKAGE_ROOT, capture_output=True,
                              timeout=SEED_TIMEOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"seed cases failed: {done.stderr.decode()}")
        return json.loads(done.stdout)

    def tool(self, command: str, *extra: str) -> Any:
        """One of the seeding tool's other commands (bucket, put-objects, get-objects, ...), as JSON."""
        args = [sys.executable, "-m", "localaws.seed", command, "--endpoint", self.endpoint, *extra]
        done = subprocess.run(args, env=child_env(), cwd=PACKAGE_ROOT, capture_output=True,
                              timeout=SEED_TIMEOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"seed {command} failed: {done.stderr.decode()}")
        return json.loads(done.stdout)


def all_pages(call: Any, key: str, max_pages: int, **kwargs: Any) -> tuple[list[Any], int]:
    """Items of every page and the number of pages; fails instead of looping past max_pages."""
    items: list[Any] = []
    token = None
    for page in range(1, max_pages + 1):
        response = call(**kwargs, **({"NextToken": token} if token else {}))
        items.extend(response.get(key, []))
        token = response.get("NextToken")
        if not token:
            return items, page
    raise AssertionError(f"{key}: still paging after {max_pages} pages")
