"""A tiny SOCKS4/4a/5 server on 127.0.0.1 for the proxy tests.

It records what each client asked to reach (the CONNECT target, and whether it came as a
host name or an address: that is the difference between socks5 and socks5h) and relays
every connection to one upstream server, whatever the target, so a made-up host name
such as api.telegram.test still reaches the test's fake Bot API.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """One CONNECT: `kind` is "name", "ipv4" or "ipv6", as the client sent the host."""

    kind: str
    host: str
    port: int
    protocol: int  # 4 or 5


@dataclass
class SocksServer:
    upstream: tuple[str, int]
    username: str | None = None
    password: str | None = None
    targets: list[Target] = field(default_factory=list)
    #: Credentials of every authentication attempt, accepted or not.
    logins: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            version = (await reader.readexactly(1))[0]
            if version == 5:
                target = await self._socks5(reader, writer)
            elif version == 4:
                target = await self._socks4(reader, writer)
            else:
                target = None
            if target is not None:
                self.targets.append(target)
                await self._relay(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _socks5(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Target | None:
        methods = await reader.readexactly((await reader.readexactly(1))[0])
        wanted = 2 if self.username is not None else 0
        if wanted not in methods:
            writer.write(b"\x05\xff")
            return None
        writer.write(bytes([5, wanted]))
        if wanted == 2:  # RFC 1929
            await reader.readexactly(1)
            user = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            password = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            self.logins.append((user, password))
            if (user, password) != (self.username, self.password):
                writer.write(b"\x01\x01")
                return None
            writer.write(b"\x01\x00")
        _version, _command, _reserved, atyp = await reader.readexactly(4)
        if atyp == 1:
            kind, host = "ipv4", socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
        elif atyp == 4:
            kind, host = "ipv6", socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        else:
            kind = "name"
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        port = int.from_bytes(await reader.readexactly(2), "big")
        writer.write(b"\x05\x00\x00\x01" + bytes(4) + bytes(2))
        return Target(kind, host, port, 5)

    async def _socks4(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Target | None:
        _command = await reader.readexactly(1)
        port = int.from_bytes(await reader.readexactly(2), "big")
        address = await reader.readexactly(4)
        await reader.readuntil(b"\x00")  # user id
        if address[:3] == b"\x00\x00\x00" and address[3]:  # SOCKS4a: the name follows
            kind, host = "name", (await reader.readuntil(b"\x00"))[:-1].decode()
        else:
            kind, host = "ipv4", str(ipaddress.IPv4Address(address))
        writer.write(b"\x00\x5a" + bytes(6))
        return Target(kind, host, port, 4)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@contextlib.asynccontextmanager
async def socks_server(
    upstream: tuple[str, int], username: str | None = None, password: str | None = None
) -> AsyncIterator[SocksServer]:
    """A running SOCKS server relaying to `upstream`; closed on exit."""
    socks = SocksServer(upstream, username, password)
    server = await asyncio.start_server(socks.handle, "127.0.0.1", 0)
    socks.port = server.sockets[0].getsockname()[1]
    try:
        yield socks
    finally:
        server.close()
        # Connections the client keeps alive would make wait_closed() wait for them.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 1)
