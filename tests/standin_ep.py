"""A stand-in for the Parliament's web servers on 127.0.0.1: doceo pages, OEIL, the Open Data API.

Each test sets ``routes`` (path -> Route, or a function of the query returning one) and
reads ``requests`` afterwards. Real HTTP over a real socket: the importer's httpx client
cannot tell it from the real thing, except by its address.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

IMPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
HTML = "text/html; charset=utf-8"
DRIP_BYTES = 8
JSONLD = "application/ld+json"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str | None = HTML
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow server)
    chunked: bool = False  # no Content-Length: the body is streamed
    drip: float = 0.0  # seconds between pieces of DRIP_BYTES (a server dripping its body)
    declared: int | None = None  # a Content-Length that lies (the body sent, then the connection closed)

    @classmethod
    def fixture(cls, name: str, **kwargs: Any) -> Route:
        return cls(body=(IMPORT_FIXTURES / name).read_bytes(), **kwargs)

    @classmethod
    def json(cls, data: object, **kwargs: Any) -> Route:
        return cls(body=json.dumps(data).encode(), content_type=JSONLD, **kwargs)


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Handler = Route | Callable[[dict[str, list[str]]], Route] | list[Route]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (a time-out or a size cap under test) is no server error


class StandIn:
    """The server; ``url`` ends with a slash, like the EP_* settings."""

    def __init__(self, *, record: bool = True) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Seen] = []
        self.count = 0
        stand_in = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in one write: two small writes on a kept-alive
            # connection meet Nagle and the delayed ACK, 40 ms a response on Linux.
            wbufsize = 1 << 16

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                stand_in.count += 1
                if record:
                    stand_in.requests.append(Seen(parts.path, query, {k: v for k, v in self.headers.items()}))
                handler = stand_in.routes.get(parts.path)
                if isinstance(handler, list):
                    route = handler.pop(0) if len(handler) > 1 else handler[0]
                elif callable(handler):
                    route = handler(query)
                elif handler is None:
                    route = Route(404, b"<html><body>Not found</body></html>")
                else:
                    route = handler
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    if route.content_type:
                        self.send_header("Content-Type", route.content_type)
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    if route.drip:
                        self.send_header("Content-Length", str(len(route.body)))
                        self.end_headers()
                        for at in range(0, len(route.body), DRIP_BYTES):
                            self.wfile.write(route.body[at : at + DRIP_BYTES])
                            self.wfile.flush()
                            time.sleep(route.drip)
                    elif route.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for at in range(0, len(route.body), 16384):
                            chunk = route.body[at : at + 16384]
                            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        declared = route.declared if route.declared is not None else len(route.body)
                        self.send_header("Content-Length", str(declared))
                        self.end_headers()
                        if route.status != 204:
                            self.wfile.write(route.body)
                        if route.declared is not None:
                            self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a time-out or a size cap): that is the test

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.url = f"http://{host!s}:{port}/"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def doceo(self, text_id: str, route: Handler) -> None:
        self.routes[f"/doceo/document/{text_id}_EN.html"] = route


def running() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


def doceo_page(text_id: str, title: str, paragraphs: int = 3, *, day: str = "11 February 2021",
               reference: str = "2021/2544(RSP)") -> bytes:
    """A small texts-adopted page in the doceo layout, for a number and title of the test's choosing."""
    term, year, number = text_id.split("-")[1:]
    paras = "\n".join(
        f"<p>{n}.  Calls on the authorities to take measure number {n} without delay;</p>"
        for n in range(1, paragraphs + 1)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Texts adopted</title></head><body>
<div>Procedure : {reference}</div>
<p>Texts adopted</p>
<p>Thursday, {day} - Brussels</p>
<p>{title}</p>
<p>P{term}_TA({year}){number}RC-B9-0144/{year}</p>
<p>European Parliament resolution of {day} on {title.lower()} ({reference})</p>
<p>The European Parliament,</p>
<p>–  having regard to its previous resolutions on the matter,</p>
<p>A.  whereas the situation has worsened over the past year;</p>
{paras}
<div><p>Last updated: 12 February 2021</p></div>
</body></html>""".encode()


LISTING = "/api/v2/adopted-texts"


def page_day(day: dt.date) -> str:
    """A date as the Parliament's pages write it: "3 December 2026"."""
    return f"{day.day} {day:%B %Y}"


class Parliament:
    """Texts adopted published on a stand-in: each year's listing, paged by offset and limit, and doceo pages.

    ``adopt`` publishes a text (listed under its year, with its date unless ``dated`` is
    False, as the minimal feed gives it); ``fail_listing_from`` makes every listing page
    from that offset on a JSON answer cut short, as a server failing mid-way.
    """

    def __init__(self, server: StandIn, *, dated: bool = True) -> None:
        self.server = server
        self.dated = dated
        self.years: dict[int, list[dict[str, object]]] = {}
        self.fail_listing_from: int | None = None
        server.routes[LISTING] = self._page

    def adopt(self, text_id: str, title: str, day: dt.date, *, paragraphs: int = 3, route: Route | None = None) -> None:
        term, year, number = text_id.split("-")[1:]
        item: dict[str, object] = {
            "id": f"eli/dl/doc/{text_id}", "type": "Work", "work_type": "def/ep-document-types/TEXT_ADOPTED",
            "identifier": text_id, "label": f"T{term}-{number}/{year}",
        }
        if self.dated:
            item["title_dcterms"] = {"en": title}
            item["document_date"] = day.isoformat()
        self.years.setdefault(day.year, []).append(item)
        reference = f"{day.year}/{2000 + int(number)}(RSP)"
        page = doceo_page(text_id, title, paragraphs, day=page_day(day), reference=reference)
        self.server.doceo(text_id, route or Route(body=page))

    def _page(self, query: dict[str, list[str]]) -> Route:
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        if self.fail_listing_from is not None and offset >= self.fail_listing_from:
            return Route(body=b'{"data": [{"id": "eli/dl/doc/TA-', content_type=JSONLD)
        chunk = self.years.get(int(query["year"][0]), [])[offset : offset + limit]
        return Route.json({"data": chunk, "@context": "https://data.europarl.europa.eu/api/v2/context.jsonld"})
