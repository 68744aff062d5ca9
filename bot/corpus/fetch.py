"""Polite HTTP fetching for the importer: timeouts, retries, a size cap, checked types and redirects.

Every request goes through one Fetcher, which keeps to ``requests_per_second`` (the
Parliament's servers are shared), retries a 429 or 5xx with backoff (honouring
``Retry-After``), follows only a few http(s) redirects, stops reading past a size cap and
refuses a content type the caller did not ask for. A whole fetch (retries, redirects and
the body) has a total deadline, ``total_timeout`` (by default three time-outs, and at
least a minute), checked at every chunk: a server dripping a few bytes a second cannot
hold an import. Bodies are asked for uncompressed; one compressed anyway (gzip or
deflate) is inflated a piece at a time, the size cap counting the inflated bytes.
Failures raise FetchError with one line meant for the admin; nothing here writes anything.
"""

from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from bot.corpus.addresses import REFUSED, AddressGuard, GuardedTransport

logger = logging.getLogger(__name__)

USER_AGENT = "ep-resolutions-bot-importer/0.1 (+https://github.com/; corpus import of EP texts adopted)"
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 3
RETRIES = 3
BACKOFF_S = 1.0
# A server asking us to wait longer than this is refused rather than waited for: an
# admin at a terminal or in Telegram should not sit for minutes without a word.
MAX_RETRY_AFTER_S = 60.0
# The whole of one fetch, whatever the per-read time-out: at least this long, else
# TOTAL_TIMEOUTS time-outs.
MIN_TOTAL_TIMEOUT_S = 60.0
TOTAL_TIMEOUTS = 3
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
JSON_TYPES = frozenset({"application/ld+json", "application/json"})
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})

Progress = Callable[[int, int | None], None]


# What a malformed address raises on its way through urllib and httpx: an IPv6 bracket
# left open (ValueError), an empty or over-long host label (UnicodeError from the idna
# codec, or idna.IDNAError, a UnicodeError), httpx's own checks.
_BAD_URL_ERRORS = (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, UnicodeError)
# How the resolver words a name it cannot find (getaddrinfo's errors, as httpx passes them on).
_NO_NAME_RE = re.compile(
    r"Name or service not known|No address associated with hostname|nodename nor servname|getaddrinfo failed|"
    r"Temporary failure in name resolution"
)
# How h11 (under httpx) words a body cut short of its Content-Length.
_SHORT_BODY_RE = re.compile(r"received (\d+) bytes, expected (\d+)")
# How httpx words a redirect whose Location it cannot read (a RemoteProtocolError).
_BAD_LOCATION = "Invalid URL in location header"


class FetchError(Exception):
    """A fetch that failed or was refused; ``str()`` is one line naming the URL."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{reason} ({url})")
        self.url = url
        self.reason = reason
        self.status = status


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response body read whole, with the URL it finally came from."""

    url: str
    content_type: str
    body: bytes
    charset: str | None = None


class Fetcher:
    """One polite HTTP client; use as a context manager or call ``close``."""

    def __init__(
        self,
        *,
        requests_per_second: float = 2.0,
        timeout: float = DEFAULT_TIMEOUT_S,
        total_timeout: float | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        retries: int = RETRIES,
        backoff: float = BACKOFF_S,
        user_agent: str = USER_AGENT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        url_check: Callable[[str], str | None] | None = None,
        guard: AddressGuard | None = None,
    ) -> None:
        """``url_check`` vets every URL before it is requested, the first and each
        redirect's: it returns why not (the fetch is then refused), or None. ``guard``
        does so for addresses (bot.corpus.addresses), and checks again, on the address
        connected to, when each connection is opened."""
        if requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        self.interval = 1.0 / requests_per_second
        self.timeout = timeout
        self.total_timeout = (
            total_timeout if total_timeout is not None else max(TOTAL_TIMEOUTS * timeout, MIN_TOTAL_TIMEOUT_S)
        )
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.retries = retries
        self.backoff = backoff
        self._clock = clock
        self._sleep = sleep
        if guard is not None:
            url_check = url_check or guard.url_reason
            transport = transport or GuardedTransport(guard)
        self._url_check = url_check
        self._last: float | None = None
        # One Fetcher may serve several imports at once (Telegram runs each in a thread):
        # the pace is kept across all of them. httpx.Client is itself thread-safe.
        self._turn = threading.Lock()
        self.requests = 0
        # Redirects are followed by hand below, so that each hop is checked.
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            # Uncompressed: a small gzip body can inflate a thousandfold.
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
            follow_redirects=False,
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        accept: Collection[str],
        *,
        params: dict[str, str] | None = None,
        progress: Progress | None = None,
        empty_ok: bool = False,
    ) -> Fetched:
        """GET ``url`` and return its body, or raise FetchError.

        ``accept`` lists the media types wanted (without parameters); anything else is
        refused. With ``empty_ok`` a 204 returns an empty body instead of failing.
        """
        _check_scheme(url, url)
        self._vet(url, url)
        deadline = self._clock() + self.total_timeout
        current = url
        for _hop in range(self.max_redirects + 1):
            response = self._send(current, accept, params, deadline)
            try:
                if response.is_redirect:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(current, f"HTTP {response.status_code} redirect without a Location")
                    try:
                        target = urljoin(current, location)
                    except ValueError as exc:
                        raise FetchError(current, f"redirected to {location!r}, not a valid URL: {exc}") from None
                    _check_scheme(url, target)
                    self._vet(url, target)
                    logger.debug("redirect %s -> %s", current, target)
                    current, params = target, None
                    continue
                return self._read(current, response, accept, progress, empty_ok, deadline)
            finally:
                response.close()
        raise FetchError(url, f"more than {self.max_redirects} redirects")

    def _vet(self, origin: str, url: str) -> None:
        if self._url_check is not None and (reason := self._url_check(url)):
            raise FetchError(origin, reason if url == origin else f"redirected to {url}: {reason}")

    def _send(
        self, url: str, accept: Collection[str], params: dict[str, str] | None, deadline: float
    ) -> httpx.Response:
        """Send one request, retrying 429, 5xx and dropped connections with backoff."""
        headers = {"Accept": ", ".join(accept) + ", */*;q=0.1"}
        attempt = 0
        while True:
            self._wait_turn()
            self.requests += 1
            remaining = self._remaining(url, deadline)
            try:
                request = self._client.build_request(
                    "GET", url, params=params, headers=headers, timeout=min(self.timeout, remaining)
                )
                response = self._client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchError(url, self._timed_out(deadline, "timed out")) from None
            except httpx.RemoteProtocolError as exc:
                # httpx reads a redirect's Location as it answers; a malformed one is the
                # server's answer, not a dropped connection: no retry.
                if (reason := str(exc)).startswith(_BAD_LOCATION):
                    problem = reason.removeprefix(_BAD_LOCATION).strip(" :.")
                    raise FetchError(url, f"redirected to an address that is not a valid URL: {problem}") from None
                if attempt >= self.retries:
                    raise FetchError(url, f"connection failed: {exc}") from None
                delay = self.backoff * 2**attempt
            except _BAD_URL_ERRORS as exc:
                raise FetchError(url, f"not a valid URL: {exc or type(exc).__name__}") from None
            except httpx.TransportError as exc:
                if str(exc).startswith(REFUSED):  # the guard's: not a dropped connection, never retried
                    raise FetchError(url, str(exc)) from None
                if _NO_NAME_RE.search(str(exc)):
                    # No such name, or no network: a retry seconds later finds the same.
                    host = urlsplit(url).hostname or url
                    raise FetchError(url, f"cannot find {host}: no such name, or no network") from None
                if attempt >= self.retries:
                    raise FetchError(url, f"connection failed: {exc}") from None
                delay = self.backoff * 2**attempt
            else:
                if response.status_code not in _RETRY_STATUSES:
                    return response
                status = response.status_code
                wait = _retry_after(response.headers.get("Retry-After"), self._wall())
                response.close()
                if attempt >= self.retries:
                    raise FetchError(url, f"HTTP {status} after {attempt + 1} attempts", status)
                if wait is not None and wait > MAX_RETRY_AFTER_S:
                    raise FetchError(url, f"HTTP {status}: the server asks to wait {wait:.0f} s", status)
                delay = wait if wait is not None else self.backoff * 2**attempt
            attempt += 1
            if self._clock() + delay >= deadline:
                raise FetchError(
                    url, f"gave up: a retry in {delay:.0f} s would pass the {self.total_timeout:.0f} s limit of a fetch"
                )
            logger.info("retrying %s in %.1f s (attempt %d)", url, delay, attempt + 1)
            self._sleep(delay)

    def _wait_turn(self) -> None:
        """Sleep so that requests start at least ``interval`` seconds apart."""
        with self._turn:
            now = self._clock()
            if self._last is not None:
                due = self._last + self.interval
                if due > now:
                    self._sleep(due - now)
                    now = self._clock()
            self._last = now

    def _wall(self) -> float:
        return time.time()

    def _remaining(self, url: str, deadline: float) -> float:
        """Seconds left before ``deadline``; FetchError once it has passed."""
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise FetchError(url, f"timed out after {self.total_timeout:.0f} s")
        return remaining

    def _timed_out(self, deadline: float, reason: str) -> str:
        return f"timed out after {self.total_timeout:.0f} s" if self._clock() >= deadline else reason

    def _read(
        self,
        url: str,
        response: httpx.Response,
        accept: Collection[str],
        progress: Progress | None,
        empty_ok: bool,
        deadline: float,
    ) -> Fetched:
        status = response.status_code
        if status == 204 and empty_ok:
            return Fetched(url, "", b"")
        if status != 200:
            phrase = response.reason_phrase or ""
            raise FetchError(url, f"HTTP {status} {phrase}".rstrip(), status)
        media, charset = _media_type(response.headers.get("Content-Type", ""))
        if media not in accept:
            wanted = ", ".join(sorted(accept))
            raise FetchError(url, f"the server sent {media or 'no content type'}, not {wanted}")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
        inflate = _inflater(url, encoding)
        declared = response.headers.get("Content-Length")
        total = int(declared) if declared and declared.isdigit() else None
        if total is not None and total > self.max_bytes:
            raise FetchError(url, f"{total:,} bytes, over the {self.max_bytes:,} byte cap")
        if inflate is not None:
            total = None  # the header counts the compressed bytes
        chunks: list[bytes] = []
        size = 0
        try:
            # Raw bytes, inflated here a bounded piece at a time: httpx would inflate a
            # whole network read at once, and 64 KB of gzip can be 64 MB of text.
            for raw in response.iter_raw():  # each read as it comes, so the deadline is checked
                self._remaining(url, deadline)
                for chunk in inflate(raw) if inflate is not None else (raw,):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(url, f"over the {self.max_bytes:,} byte cap")
                    chunks.append(chunk)
                if progress is not None:
                    progress(size, total)
        except httpx.TimeoutException:
            raise FetchError(url, self._timed_out(deadline, "timed out while reading")) from None
        except httpx.TransportError as exc:
            if short := _SHORT_BODY_RE.search(str(exc)):
                got, expected = int(short[1]), int(short[2])
                reason = f"the server sent fewer bytes than it declared ({got:,} of {expected:,}): the page is cut"
                raise FetchError(url, reason) from None
            raise FetchError(url, f"connection broken while reading: {exc}") from None
        except zlib.error as exc:
            raise FetchError(url, f"the {encoding} body is broken ({exc})") from None
        return Fetched(str(response.url), media, b"".join(chunks), charset)


def _inflater(url: str, encoding: str) -> Callable[[bytes], Iterator[bytes]] | None:
    """A function inflating successive raw pieces, lazily, into pieces of at most _CHUNK bytes; None for identity."""
    if encoding == "identity":
        return None
    if encoding in {"gzip", "x-gzip"}:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decompressor = zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped, as the standard says
    else:
        raise FetchError(url, f"the body is compressed as {encoding}, though none was asked for")

    def inflate(raw: bytes) -> Iterator[bytes]:
        # Lazily: the caller counts each piece against the cap before the next is made.
        data = raw
        while data:
            yield decompressor.decompress(data, _CHUNK)
            data = decompressor.unconsumed_tail

    return inflate


def _check_scheme(origin: str, url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError(origin, f"not a valid URL: {exc}") from None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise FetchError(origin, f"refusing to follow {url!r}: only http(s) URLs are fetched")


def _media_type(header: str) -> tuple[str, str | None]:
    """``text/html; charset=utf-8`` -> ("text/html", "utf-8")."""
    media, _, rest = header.partition(";")
    charset = None
    for param in rest.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"').strip()
    return media.strip().lower(), charset


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
