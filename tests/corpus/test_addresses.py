"""A fetch for a user reaches no address of the bot's own network but EP_BASE_URL's host and port."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from bot.corpus.addresses import AddressGuard
from bot.corpus.fetch import HTML_TYPES, Fetcher, FetchError
from tests.standin_ep import Route, StandIn


def _fetcher(guard: AddressGuard) -> Fetcher:
    return Fetcher(requests_per_second=1000.0, timeout=2.0, retries=2, backoff=0.01, guard=guard)


def test_the_operators_base_is_reached_but_not_another_port_of_its_host(server: StandIn) -> None:
    server.routes["/page"] = Route(body=b"<p>x</p>")
    with StandIn() as other, _fetcher(AddressGuard(server.url)) as fetcher:
        other.routes["/page"] = Route(body=b"<p>secret</p>")
        assert fetcher.get(server.url + "page", HTML_TYPES).body == b"<p>x</p>"
        with pytest.raises(FetchError) as caught:
            fetcher.get(other.url + "page", HTML_TYPES)
        assert str(caught.value).startswith(
            "refusing to fetch 127.0.0.1: it is an address of this machine or its network (127.0.0.1)"
        )
        assert other.requests == []


def test_a_name_that_does_not_resolve_is_refused_at_once(server: StandIn) -> None:
    calls: list[str] = []

    def resolve(host: str, port: int, **kwargs: Any) -> list[Any]:
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with _fetcher(AddressGuard(server.url, resolve=resolve)) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get("http://nowhere.invalid/page", HTML_TYPES)
    assert str(caught.value) == "refusing to fetch nowhere.invalid: the name does not resolve (http://nowhere.invalid/page)"
    assert calls == ["nowhere.invalid"]  # refused, not retried


def test_a_name_rebound_to_this_machine_after_the_check_is_refused_where_it_connects(server: StandIn) -> None:
    # A hostile DNS answers the check with a public address, the connection with 127.0.0.1.
    server.routes["/secret"] = Route(body=b"<p>secret</p>")
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def resolve(host: str, port: int, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    guard = AddressGuard("https://www.europarl.europa.eu/", resolve=resolve)
    with _fetcher(guard) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(f"http://rebind.example:{port}/secret", HTML_TYPES)
    assert "refusing to fetch rebind.example: it is an address of this machine or its network (127.0.0.1)" in str(
        caught.value)
    assert server.requests == []
