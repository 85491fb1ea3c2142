"""A TCP proxy on 127.0.0.1 that adds a fixed network delay in front of the local AWS.

    python -m localaws.latency_proxy --target http://127.0.0.1:PORT --delay-ms 25 --port 0

moto answers in microseconds of network time, so a benchmark of many concurrent AWS calls
against it would measure only CPU; real AWS calls wait a round trip. This proxy puts that
round trip back: every request reaches the server `--delay-ms` later than the client sent it.

How the delay is applied: like a netem qdisc on the client-to-server direction. Each chunk
read from the client is forwarded exactly DELAY after it arrived, in order, and chunks are
scheduled by arrival time rather than one after the other. So a request split into several
chunks (headers, then body) still arrives DELAY late as a whole, never DELAY per chunk, and
every request on a keep-alive connection is delayed on its own, without parsing HTTP.
Responses pass through at once, so one request costs DELAY + the server's own time. New
connections are accepted without delay (a real TCP handshake would cost one more round trip);
the benchmark's clients all keep connections alive, so this favours none of them.

Protocol (as localaws.server): once listening it prints one stdout line
`LATENCY_PROXY_READY http://127.0.0.1:PORT`; it stops on SIGTERM/SIGINT, when stdin reaches end
of file (left out with --ignore-stdin), or after --max-lifetime seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
import urllib.parse
from typing import TextIO

READY_PREFIX = "LATENCY_PROXY_READY "
HOST = "127.0.0.1"
CHUNK = 64 * 1024
# A connection with no traffic either way for this long is closed, so no relay waits forever.
IDLE_TIMEOUT = 300.0
CONNECT_TIMEOUT = 10.0
# Chunks held back per connection before the reader stops reading (back-pressure).
QUEUE_LIMIT = 256


def parse_target(url: str) -> tuple[str, int]:
    """host and port of an http://127.0.0.1:PORT target; anything else is refused."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != HOST or not parts.port:
        raise ValueError(f"target must be http://{HOST}:PORT, got {url!r}")
    return HOST, parts.port


class Proxy:
    def __init__(self, target: tuple[str, int], delay: float, deadline: float) -> None:
        self.target = target
        self.delay = delay
        # Event-loop time after which every relay loop ends (the proxy's max lifetime).
        self.deadline = deadline
        self.handlers: set[asyncio.Task[None]] = set()
        self.relays: set[asyncio.Task[None]] = set()

    async def close_all(self) -> None:
        """Ends every open connection. The relays are cancelled, not the connection handlers:
        asyncio reports a cancelled handler as an error at exit."""
        for task in list(self.relays):
            task.cancel()
        if self.handlers:
            await asyncio.wait(list(self.handlers), timeout=CONNECT_TIMEOUT + 1)

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        if handler is not None:
            self.handlers.add(handler)
            handler.add_done_callback(self.handlers.discard)
        try:
            server_reader, server_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.target), CONNECT_TIMEOUT)
        except (OSError, asyncio.TimeoutError):
            client_writer.close()
            return
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(QUEUE_LIMIT)
        reader = asyncio.create_task(self._read_client(client_reader, queue))
        forwarding = [
            asyncio.create_task(self._release(queue, server_writer)),
            asyncio.create_task(self._pipe(server_reader, client_writer)),
        ]
        for task in (reader, *forwarding):
            self.relays.add(task)
            task.add_done_callback(self.relays.discard)
        # The client's end of file only stops its direction (queued requests still go out, the
        # answer still comes back); the connection ends when either forwarding direction ends.
        await asyncio.wait(forwarding, return_when=asyncio.FIRST_COMPLETED)
        tasks = [reader, *forwarding]
        for task in tasks:
            task.cancel()
        # Resets and idle timeouts just end the connection; gathering consumes their exceptions.
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in (server_writer, client_writer):
            writer.close()

    async def _read_client(self, reader: asyncio.StreamReader, queue: asyncio.Queue[tuple[float, bytes]]) -> None:
        loop = asyncio.get_running_loop()
        try:
            while loop.time() < self.deadline:
                data = await asyncio.wait_for(reader.read(CHUNK), IDLE_TIMEOUT)
                if not data:
                    break
                # Stamped on arrival: the release time does not depend on chunks queued before it.
                await queue.put((loop.time() + self.delay, data))
        finally:
            # End of file, a reset or an idle client alike: tell the server, after the delay.
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait((loop.time() + self.delay, b""))

    async def _release(self, queue: asyncio.Queue[tuple[float, bytes]], writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < self.deadline:
            due, data = await asyncio.wait_for(queue.get(), IDLE_TIMEOUT + self.delay)
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                # The client finished sending; let the server's answer still flow back.
                if writer.can_write_eof():
                    writer.write_eof()
                await asyncio.sleep(IDLE_TIMEOUT)
                return
            writer.write(data)
            await writer.drain()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < self.deadline:
            data = await asyncio.wait_for(reader.read(CHUNK), IDLE_TIMEOUT)
            if not data:
                return
            writer.write(data)
            await writer.drain()


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    # Only end of file matters; a raw read, as in localaws.server, so shutdown never blocks on it.
    try:
        while os.read(0, 4096):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stop.set)


async def serve(args: argparse.Namespace, ready_out: TextIO) -> int:
    loop = asyncio.get_running_loop()
    proxy = Proxy(parse_target(args.target), args.delay_ms / 1000.0, loop.time() + args.max_lifetime)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    # asyncio's TCP transports set TCP_NODELAY on both sides, so Nagle adds no delay of its own.
    server = await asyncio.start_server(proxy.handle, HOST, args.port)
    port = server.sockets[0].getsockname()[1]
    if not args.ignore_stdin:
        threading.Thread(target=_watch_stdin, args=(loop, stop), name="stdin-watch", daemon=True).start()
    ready_out.write(f"{READY_PREFIX}http://{HOST}:{port}\n")
    ready_out.flush()
    try:
        await asyncio.wait_for(stop.wait(), args.max_lifetime)
    except asyncio.TimeoutError:
        print(f"latency_proxy: max lifetime {args.max_lifetime}s reached, stopping", file=sys.stderr)
    server.close()
    await proxy.close_all()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localaws.latency_proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="the server to forward to, http://127.0.0.1:PORT")
    parser.add_argument("--delay-ms", type=float, required=True, help="added to every request, in milliseconds")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--ignore-stdin", action="store_true", help="keep serving when stdin closes")
    parser.add_argument("--max-lifetime", type=float, default=4 * 3600,
                        help="seconds after which the proxy stops by itself (a safety net)")
    args = parser.parse_args(argv)
    if args.delay_ms < 0:
        parser.error("--delay-ms must be >= 0")
    try:
        parse_target(args.target)
    except ValueError as err:
        parser.error(str(err))
    # Only the READY line may reach stdout.
    ready_out = sys.stdout
    sys.stdout = sys.stderr
    started = time.monotonic()
    code = asyncio.run(serve(args, ready_out))
    print(f"latency_proxy: stopped after {time.monotonic() - started:.1f}s", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
