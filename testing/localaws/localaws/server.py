"""Runs moto's server in this process on 127.0.0.1, with the project's extensions loaded.

    python -m localaws.server --port 0

Protocol with the launcher (cima-testkit's LocalAws): once the socket listens, exactly one
line `LOCALAWS_READY http://127.0.0.1:PORT` goes to stdout; nothing else ever does. The
server stops on SIGTERM/SIGINT, when stdin reaches end of file (so it dies with a parent
that held the other end of the pipe), or after --max-lifetime seconds.

With --request-log FILE every request appends one tab-separated line: the AWS operation (the
JSON protocols' X-Amz-Target, the query protocols' Action, else the method and path), the
server's wall milliseconds and the handling thread's CPU milliseconds. Benchmarks and tests use
it to count calls and to see where the server's time goes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading
import io
import time
import urllib.parse
from typing import Any, Callable, TextIO

from localaws import CONTROL_PREFIX, EXTENSIONS, MOTO_VERSION

READY_PREFIX = "LOCALAWS_READY "
HOST = "127.0.0.1"

ControlHandler = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


def load_extensions() -> dict[tuple[str, str], ControlHandler]:
    """Import and install every extension; return their control routes."""
    routes: dict[tuple[str, str], ControlHandler] = {}
    for name in EXTENSIONS:
        routes.update(importlib.import_module(name).install())
    return routes


class ControlRouter:
    """WSGI app: `/_localaws/...` goes to the extensions, everything else to moto."""

    def __init__(self, moto_app: Any, routes: dict[tuple[str, str], ControlHandler]):
        self._moto_app = moto_app
        self._routes = routes

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CONTROL_PREFIX):
            return self._moto_app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        if path == CONTROL_PREFIX + "health":
            status, body = 200, {"moto": MOTO_VERSION, "extensions": list(EXTENSIONS)}
        elif (method, path) in self._routes:
            status, body = self._dispatch(self._routes[(method, path)], environ)
        else:
            status, body = 404, {"error": f"no control endpoint {method} {path}"}
        payload = json.dumps(body).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'ERROR'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    @staticmethod
    def _dispatch(handler: ControlHandler, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b"{}"
            body = json.loads(raw or b"{}")
        except (ValueError, OSError) as err:
            return 400, {"error": f"body is not JSON: {err}"}
        if not isinstance(body, dict):
            return 400, {"error": "body must be a JSON object"}
        return handler(body)


def operation_of(environ: dict[str, Any], body: bytes) -> str:
    """The AWS operation a request names, as the request log records it."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target
    sources = [environ.get("QUERY_STRING", "")]
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        sources.append(body.decode("utf-8", errors="replace"))
    for source in sources:
        action = dict(urllib.parse.parse_qsl(source)).get("Action")
        if action:
            return action
    return f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}"


class RequestLog:
    """WSGI middleware appending one line per request to a file (see the module docstring)."""

    def __init__(self, app: Any, out: TextIO):
        self._app = app
        self._out = out
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # The body was consumed to name the operation; the app reads it again from memory.
        environ["wsgi.input"] = io.BytesIO(body)
        operation = operation_of(environ, body)
        wall, cpu = time.perf_counter(), time.thread_time()
        # Materialised here so the time covers producing the response, not only starting it.
        response = list(self._app(environ, start_response))
        line = f"{operation}\t{(time.perf_counter() - wall) * 1000:.2f}\t{(time.thread_time() - cpu) * 1000:.2f}\n"
        with self._lock:
            self._out.write(line)
            self._out.flush()
        return response


def read_module_list_once() -> None:
    """moto's dispatcher asks, for every request, whether the Host header names one of its
    service modules, and lists its package directory to answer (a listdir and an isdir per
    entry), one of the largest parts of the server's busy CPU in a py-spy profile under
    `bench/cases_boto3.py`. The installed package cannot change while the server runs, so it is listed once."""
    import moto.backends

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules


def build_server(port: int, verbose: bool = False, request_log: TextIO | None = None) -> Any:
    """Bind moto (plus extensions) to 127.0.0.1:port; port 0 picks a free one."""
    routes = load_extensions()
    read_module_list_once()
    # Imported after the extensions so any patch of import-time state applies first.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Handler(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            if verbose:
                super().log_request(*args, **kwargs)

    app: Any = ControlRouter(DomainDispatcherApplication(create_backend_app), routes)
    if request_log is not None:
        app = RequestLog(app, request_log)
    return make_server(HOST, port, app, threaded=True, request_handler=Handler)


def _watch_stdin(stop: threading.Event) -> None:
    # Whatever the parent writes is ignored; only end of file matters. A raw read, because a
    # daemon thread blocked inside a buffered stdin makes interpreter shutdown abort.
    try:
        while os.read(0, 4096):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localaws.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument(
        "--ignore-stdin",
        action="store_true",
        help="keep serving when stdin closes (for a server started by hand in the background)",
    )
    parser.add_argument(
        "--max-lifetime",
        type=float,
        default=4 * 3600,
        help="seconds after which the server stops by itself (a safety net for forgotten servers)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--request-log", metavar="FILE", help="append operation, wall ms, CPU ms per request")
    args = parser.parse_args(argv)

    # Only the READY line may reach stdout; anything moto or a library prints goes to stderr.
    ready_out = sys.stdout
    sys.stdout = sys.stderr

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    request_log = open(args.request_log, "a", encoding="utf-8") if args.request_log else None
    server = build_server(args.port, verbose=args.verbose, request_log=request_log)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="moto-server", daemon=True).start()
    if not args.ignore_stdin:
        threading.Thread(target=_watch_stdin, args=(stop,), name="stdin-watch", daemon=True).start()

    ready_out.write(f"{READY_PREFIX}http://{HOST}:{port}\n")
    ready_out.flush()

    deadline = time.monotonic() + args.max_lifetime
    # Short waits keep signal handlers responsive; the deadline bounds the loop.
    while not stop.wait(0.5):
        if time.monotonic() >= deadline:
            print(f"localaws: max lifetime {args.max_lifetime}s reached, stopping", file=sys.stderr)
            break
    server.shutdown()
    server.server_close()
    if request_log is not None:
        request_log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
