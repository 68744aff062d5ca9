"""The importer's HTTP client against a real server on 127.0.0.1: retries, caps, types, redirects, pace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.corpus.fetch import HTML_TYPES, USER_AGENT, Fetcher, FetchError
from tests.standin_ep import Route, StandIn


@pytest.fixture
def server() -> Iterator[StandIn]:
    with StandIn() as stand_in:
        yield stand_in


class Sleeps:
    """Records the waits instead of waiting; the clock stands still."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _fetcher(sleeps: Sleeps | None = None, **kwargs: object) -> Fetcher:
    options: dict[str, object] = {"requests_per_second": 1000.0, "retries": 2, "backoff": 0.25}
    options.update(kwargs)
    if sleeps is not None:
        options["sleep"] = sleeps
    return Fetcher(**options)  # type: ignore[arg-type]


def test_a_page_comes_back_with_a_descriptive_user_agent(server: StandIn) -> None:
    server.routes["/a.html"] = Route(body=b"<p>hello</p>")
    with _fetcher() as fetcher:
        fetched = fetcher.get(server.url + "a.html", HTML_TYPES)
    assert fetched.body == b"<p>hello</p>"
    assert fetched.content_type == "text/html" and fetched.charset == "utf-8"
    agent = server.requests[0].headers["User-Agent"]
    assert agent == USER_AGENT and "ep-resolutions-bot" in agent


def test_a_503_is_retried_after_the_time_retry_after_asks(server: StandIn) -> None:
    server.routes["/busy"] = [Route(503, headers={"Retry-After": "3"}), Route(body=b"<p>ok</p>")]
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher:
        assert fetcher.get(server.url + "busy", HTML_TYPES).body == b"<p>ok</p>"
    assert 3.0 in sleeps.waits
    assert len(server.requests) == 2


def test_a_429_without_retry_after_backs_off_exponentially_then_gives_up(server: StandIn) -> None:
    server.routes["/limited"] = Route(429)
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(server.url + "limited", HTML_TYPES)
    assert "HTTP 429 after 3 attempts" in str(caught.value)
    assert [w for w in sleeps.waits if w >= 0.25] == [0.25, 0.5]


def test_a_retry_after_of_ten_minutes_is_refused_not_waited(server: StandIn) -> None:
    server.routes["/later"] = Route(503, headers={"Retry-After": "600"})
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher, pytest.raises(FetchError, match="asks to wait 600 s"):
        fetcher.get(server.url + "later", HTML_TYPES)
    assert all(w < 1 for w in sleeps.waits)


def test_a_404_is_not_retried(server: StandIn) -> None:
    with _fetcher() as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(server.url + "missing.html", HTML_TYPES)
    assert caught.value.status == 404
    assert str(caught.value) == f"HTTP 404 Not Found ({server.url}missing.html)"
    assert len(server.requests) == 1


def test_a_slow_server_times_out(server: StandIn) -> None:
    server.routes["/slow"] = Route(body=b"<p>late</p>", delay=1.5)
    with _fetcher(timeout=0.3) as fetcher, pytest.raises(FetchError, match="timed out"):
        fetcher.get(server.url + "slow", HTML_TYPES)


def test_a_body_of_another_type_is_refused(server: StandIn) -> None:
    server.routes["/data"] = Route(body=b"{}", content_type="application/json")
    with _fetcher() as fetcher, pytest.raises(FetchError, match="sent application/json, not"):
        fetcher.get(server.url + "data", HTML_TYPES)


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "streamed"])
def test_a_body_over_the_cap_is_refused(server: StandIn, chunked: bool) -> None:
    server.routes["/big"] = Route(body=b"<p>" + b"x" * 200_000 + b"</p>", chunked=chunked)
    with _fetcher(max_bytes=100_000) as fetcher, pytest.raises(FetchError, match="100,000 byte cap"):
        fetcher.get(server.url + "big", HTML_TYPES)


def test_http_redirects_are_followed_a_few_times(server: StandIn) -> None:
    server.routes["/old"] = Route(301, headers={"Location": "/new"})
    server.routes["/new"] = Route(body=b"<p>moved</p>")
    with _fetcher() as fetcher:
        fetched = fetcher.get(server.url + "old", HTML_TYPES)
    assert fetched.body == b"<p>moved</p>" and fetched.url.endswith("/new")


def test_a_redirect_loop_stops(server: StandIn) -> None:
    server.routes["/loop"] = Route(302, headers={"Location": "/loop"})
    with _fetcher(max_redirects=3) as fetcher, pytest.raises(FetchError, match="more than 3 redirects"):
        fetcher.get(server.url + "loop", HTML_TYPES)
    assert len(server.requests) == 4


def test_a_redirect_to_another_scheme_is_refused(server: StandIn) -> None:
    server.routes["/away"] = Route(302, headers={"Location": "file:///etc/passwd"})
    with _fetcher() as fetcher, pytest.raises(FetchError, match="only http"):
        fetcher.get(server.url + "away", HTML_TYPES)


def test_requests_keep_to_the_rate(server: StandIn) -> None:
    server.routes["/p"] = Route(body=b"<p>x</p>")
    sleeps = Sleeps()
    # A clock that stands still: every request after the first must wait a full interval.
    with _fetcher(sleeps, requests_per_second=2.0, clock=lambda: 100.0) as fetcher:
        for _ in range(3):
            fetcher.get(server.url + "p", HTML_TYPES)
    assert sleeps.waits == [0.5, 0.5]


def test_progress_reports_bytes_received(server: StandIn) -> None:
    server.routes["/doc"] = Route(body=b"<p>" + b"y" * 150_000 + b"</p>")
    seen: list[tuple[int, int | None]] = []
    with _fetcher() as fetcher:
        fetcher.get(server.url + "doc", HTML_TYPES, progress=lambda got, total: seen.append((got, total)))
    assert seen[-1] == (150_007, 150_007)
    assert len(seen) > 1


def test_a_server_that_is_down_is_retried_then_refused() -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher, pytest.raises(FetchError, match="connection failed"):
        fetcher.get(f"http://127.0.0.1:{port}/x.html", HTML_TYPES)
    assert [w for w in sleeps.waits if w >= 0.25] == [0.25, 0.5]


def test_a_retry_after_given_as_an_http_date_is_honoured(server: StandIn) -> None:
    import email.utils
    import time

    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.routes["/dated"] = [Route(503, headers={"Retry-After": when}), Route(body=b"<p>ok</p>")]
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher:
        fetcher.get(server.url + "dated", HTML_TYPES)
    assert any(27 <= w <= 31 for w in sleeps.waits), sleeps.waits


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://[::1", "Invalid IPv6 URL"), ("http://a..b/", "not a valid URL"), ("http://xn--.com/", "not a valid URL")],
    ids=["ipv6", "empty-label", "bad-punycode"],
)
def test_a_malformed_url_is_refused_in_one_line_not_retried(url: str, why: str) -> None:
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(url, HTML_TYPES)
    message = str(caught.value)
    assert message.startswith("not a valid URL: ") and why in message and message.endswith(f"({url})")
    assert "\n" not in message
    assert sleeps.waits == []


def test_a_server_dripping_its_body_is_cut_off_at_the_total_deadline(server: StandIn) -> None:
    import time

    # 8 bytes every 50 ms: each read is well within the 0.5 s time-out, the whole body takes 10 s.
    server.routes["/drip"] = Route(body=b"<p>x</p>" * 200, drip=0.05)
    started = time.monotonic()
    with _fetcher(timeout=0.5, total_timeout=1.0) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(server.url + "drip", HTML_TYPES)
    assert str(caught.value) == f"timed out after 1 s ({server.url}drip)"
    assert time.monotonic() - started < 3


def test_the_total_deadline_defaults_to_three_time_outs_and_at_least_a_minute() -> None:
    with Fetcher(timeout=3) as short, Fetcher(timeout=30) as long:
        assert (short.total_timeout, long.total_timeout) == (60.0, 90.0)


def test_a_body_cut_short_of_its_content_length_says_so(server: StandIn) -> None:
    server.routes["/cut"] = Route(body=b"<p>European Parliament resolution of 11 February 2021</p>", declared=10_000)
    with _fetcher() as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(server.url + "cut", HTML_TYPES)
    assert str(caught.value) == (
        f"the server sent fewer bytes than it declared (57 of 10,000): the page is cut ({server.url}cut)"
    )


def _gzip_bomb(inflated: int) -> bytes:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    piece = b"a" * (1 << 20)
    parts = [packer.compress(b"<p>")]
    parts += [packer.compress(piece) for _ in range(inflated // len(piece))]
    parts += [packer.compress(b"</p>"), packer.flush()]
    return b"".join(parts)


def test_a_gzip_bomb_is_refused_at_the_cap_without_inflating_it(server: StandIn) -> None:
    import tracemalloc

    server.routes["/bomb"] = Route(body=_gzip_bomb(200 << 20), headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with _fetcher(max_bytes=1_000_000) as fetcher, pytest.raises(FetchError) as caught:
            fetcher.get(server.url + "bomb", HTML_TYPES)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(caught.value) == f"over the 1,000,000 byte cap ({server.url}bomb)"
    assert peak < 8 << 20, f"{peak:,} bytes at the peak"
    assert server.requests[0].headers["Accept-Encoding"] == "identity"


def test_a_gzip_body_within_the_cap_is_read_whole(server: StandIn) -> None:
    import gzip

    page = b"<p>" + b"resolution " * 50_000 + b"</p>"
    server.routes["/zipped"] = Route(body=gzip.compress(page), headers={"Content-Encoding": "gzip"}, chunked=True)
    with _fetcher() as fetcher:
        assert fetcher.get(server.url + "zipped", HTML_TYPES).body == page


def test_a_body_in_an_encoding_not_asked_for_is_refused(server: StandIn) -> None:
    server.routes["/br"] = Route(body=b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"})
    with _fetcher() as fetcher, pytest.raises(FetchError, match="compressed as br"):
        fetcher.get(server.url + "br", HTML_TYPES)


def test_a_redirect_to_an_invalid_location_is_refused_at_once(server: StandIn) -> None:
    server.routes["/broken"] = Route(302, headers={"Location": "http://[::1"})
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(server.url + "broken", HTML_TYPES)
    assert str(caught.value) == (
        f"redirected to an address that is not a valid URL: Invalid port: ':1' ({server.url}broken)"
    )
    assert len(server.requests) == 1 and [w for w in sleeps.waits if w >= 0.25] == []


def test_a_retry_that_would_pass_the_total_deadline_is_not_waited_for(server: StandIn) -> None:
    server.routes["/busy"] = Route(503, headers={"Retry-After": "50"})
    sleeps = Sleeps()
    with _fetcher(sleeps, total_timeout=10.0) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(server.url + "busy", HTML_TYPES)
    assert str(caught.value) == f"gave up: a retry in 50 s would pass the 10 s limit of a fetch ({server.url}busy)"
    assert [w for w in sleeps.waits if w >= 1] == [] and len(server.requests) == 1


def test_a_name_that_does_not_resolve_is_one_line_at_once_not_retried() -> None:
    sleeps = Sleeps()
    with _fetcher(sleeps) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get("http://no-such-host.invalid/doceo/document/TA-9-2021-0056_EN.html", HTML_TYPES)
    assert str(caught.value).startswith("cannot find no-such-host.invalid: no such name, or no network")
    assert fetcher.requests == 1 and sleeps.waits == []
