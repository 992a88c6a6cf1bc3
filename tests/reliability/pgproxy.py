"""A TCP proxy between the bot and PostgreSQL that a test can turn against the bot.

Modes: `forward` (a plain pipe), `refuse` (new connections are closed at once, as by a
server that is down), `blackhole` (nothing passes either way and nothing is closed, as in
a network partition), and `drop_after_commit` (armed once: the next COMMIT a client sends
is forwarded, then both sides are cut before the server's answer gets back, so the bot
cannot know whether its commit landed).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.engine import make_url

Mode = Literal["forward", "refuse", "blackhole"]


@dataclass
class PgProxy:
    target_host: str
    target_port: int
    _mode: Mode = "forward"
    drop_after_commit: int = 0  # how many COMMITs still to cut after forwarding
    commits_cut: int = 0
    _server: asyncio.Server | None = None
    _pipes: set[asyncio.StreamWriter] = field(default_factory=set)
    _flowing: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._flowing.set()

    @property
    def mode(self) -> Mode:
        return self._mode

    @mode.setter
    def mode(self, mode: Mode) -> None:
        self._mode = mode
        if mode == "blackhole":
            self._flowing.clear()
        else:
            self._flowing.set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def url_for(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by this proxy's."""
        url = make_url(database_url).set(host="127.0.0.1", port=self.port)
        return url.render_as_string(hide_password=False)

    def cut_all(self) -> None:
        """Close every open connection, as a restarting network would."""
        for writer in list(self._pipes):
            writer.close()
        self._pipes.clear()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def stop(self) -> None:
        self.cut_all()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "refuse":
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.close()
            return
        self._pipes.update({writer, up_writer})
        await asyncio.gather(
            self._pipe(reader, up_writer, writer, upstream=True),
            self._pipe(up_reader, writer, up_writer, upstream=False),
            return_exceptions=True,
        )

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        other: asyncio.StreamWriter,
        *,
        upstream: bool,
    ) -> None:
        try:
            while data := await source.read(65536):
                await self._flowing.wait()  # a partition: held, neither sent nor closed
                if self.mode == "refuse":
                    break
                sink.write(data)
                await sink.drain()
                if upstream and self.drop_after_commit and b"COMMIT" in data.upper():
                    self.drop_after_commit -= 1
                    self.commits_cut += 1
                    await asyncio.sleep(0.2)  # let the server commit it
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            for end in (sink, other):
                end.close()
                self._pipes.discard(end)


@contextlib.asynccontextmanager
async def pg_proxy(database_url: str) -> AsyncIterator[PgProxy]:
    url = make_url(database_url)
    proxy = PgProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()
