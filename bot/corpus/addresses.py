"""Which addresses a fetch made on a user's behalf may reach: none of this machine's network but the EP's base.

Telegram's /import fetches a URL an admin typed, from the bot's host: an address on the
host's own network (a metadata service, a database's HTTP port) must not be reachable
that way, except the Parliament's base URL (``EP_BASE_URL``, host and port), which the
operator chose. A check of the URL alone leaves a window: the name is resolved once to
check it and again to connect, and a hostile DNS server can answer differently the
second time. So the check is made where the connection is opened, on the very address
connected to (``GuardedTransport``); the URL check before a request only refuses early,
with a clearer line, and refuses a name that does not resolve.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import typing
from urllib.parse import urlsplit

import httpcore
import httpx

logger = logging.getLogger(__name__)

# Every refusal starts so: the fetcher tells it from a dropped connection (never retried).
REFUSED = "refusing to fetch"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_port(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if host is None:
        return None
    return host.lower(), port if port is not None else _DEFAULT_PORTS.get(parts.scheme.lower(), 0)


class AddressGuard:
    """The policy: global addresses only, and the operator's EP base (its host and port) besides."""

    def __init__(self, allowed_base: str | None = None,
                 resolve: typing.Callable[..., list[typing.Any]] = socket.getaddrinfo) -> None:
        self._allowed = _host_port(allowed_base) if allowed_base else None
        self._resolve = resolve

    def allows(self, host: str, port: int) -> bool:
        """Whether (host, port) is the operator's EP base, reachable wherever it is."""
        return self._allowed is not None and (host.lower(), port) == self._allowed

    def url_reason(self, url: str) -> str | None:
        """Why ``url`` must not be fetched, or None: checked before each request and redirect."""
        found = _host_port(url) if "://" in url else None
        if found is None:
            return None  # malformed: the fetcher refuses it with its own reason
        host, port = found
        if self.allows(host, port):
            return None
        try:
            self.addresses(host, port)
        except ConnectionRefusedError as exc:
            return str(exc)
        return None

    def addresses(self, host: str, port: int) -> list[tuple[typing.Any, ...]]:
        """The resolved socket addresses of (host, port), all global; ConnectionRefusedError saying why not."""
        try:
            infos = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise ConnectionRefusedError(f"{REFUSED} {host}: the name does not resolve") from None
        if not infos:
            raise ConnectionRefusedError(f"{REFUSED} {host}: the name does not resolve")
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not ip.is_global:
                raise ConnectionRefusedError(
                    f"{REFUSED} {host}: it is an address of this machine or its network ({ip})"
                )
        return [info[4] for info in infos]


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the guard has just checked."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        if self._guard.allows(host, port):
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            vetted = self._guard.addresses(host, port)
        except ConnectionRefusedError as exc:
            raise httpcore.ConnectError(str(exc)) from None
        last: Exception | None = None
        for address in vetted:
            try:
                # The address just checked, not the name: nothing is resolved twice.
                return super().connect_tcp(str(address[0]), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last if last is not None else httpcore.ConnectError(f"cannot connect to {host}")


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport whose connections go through the guard (TLS still checks the URL's name)."""

    def __init__(self, guard: AddressGuard) -> None:
        super().__init__()
        # httpx builds its pool with the default backend; this one is the same but for the backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend(guard),
        )
