"""/import in Telegram: a text number, a URL or an uploaded page becomes a preview; Add writes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_ID, BotStarter
from conversation import buttons, say, upload
from fake_telegram import FakeTelegram

from bot.telegram.imports import ImportHandlers
from bot.telegram.render_admin import NOT_ALLOWED
from tests.standin_ep import Route, StandIn, doceo_page

TEXT = "TA-9-2021-0056"
TITLE = "Human rights situation in Examplestan"
FILE = "2021-02-11_2021-2544_TA-9-2021-0056.md"


@pytest.fixture
def ep() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


async def start(start_bot: BotStarter, corpus: Path, ep: StandIn) -> Any:
    return await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}), ep_base_url=ep.url, ep_requests_per_second=50)


async def settled(telegram: FakeTelegram, message: dict[str, Any]) -> dict[str, Any]:
    """The status message once the fetch is over: the preview, or why not."""
    key = (message["chat"]["id"], message["message_id"])
    settled_texts = ("Import this text?", "Already in the corpus", "Not imported")
    done: dict[str, Any] = await telegram.wait_for(
        lambda: telegram.messages[key]["text"].startswith(settled_texts) and telegram.messages[key]
    )
    return done


async def choose(telegram: FakeTelegram, message: dict[str, Any], user: dict[str, Any], label: str) -> dict[str, Any]:
    [button] = [b for b in buttons(message) if b["text"] == label]
    query_id = telegram.press(message, user, button["callback_data"])
    return await telegram.edited(message, query_id)


async def test_import_by_text_number_previews_then_add_writes_and_serves_it(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    ep.doceo(TEXT, Route(body=doceo_page(TEXT, TITLE, paragraphs=4)))
    await start(start_bot, corpus, ep)
    [status] = await say(telegram, olga_chat, olga, f"/import {TEXT}")
    preview = await settled(telegram, status)
    text = preview["text"]
    assert text.startswith("Import this text?")
    assert "European Parliament resolution of 11 February 2021 on human rights situation in examplestan" in text
    assert "2021/2544(RSP) · adopted 2021-02-11 · TA-9-2021-0056" in text
    assert f"File: {FILE}" in text
    assert [b["text"] for b in buttons(preview)] == ["Add", "Cancel"]
    assert not (corpus / FILE).exists()  # nothing is written before Add
    outcome = await choose(telegram, preview, olga, "Add")
    assert outcome["text"].startswith(f"Added {FILE} (")
    assert "Corpus reloaded." in outcome["text"] and buttons(outcome) == []
    assert (corpus / FILE).exists()
    [answer] = await say(telegram, olga_chat, olga, "measure number 3 without delay")
    assert "measure number 3" in answer["text"] and TEXT in "".join(
        p.read_text() for p in corpus.glob("*.md")
    )


async def test_a_slow_fetch_edits_its_message_while_it_runs(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImportHandlers, "progress_every", 0.3)
    ep.doceo(TEXT, Route(body=doceo_page(TEXT, TITLE), delay=1.5))
    await start(start_bot, corpus, ep)
    [status] = await say(telegram, olga_chat, olga, f"/import {TEXT}")
    assert status["text"] == f"Fetching {TEXT}…"
    preview = await settled(telegram, status)
    edits = [c.params["text"] for c in telegram.calls_to("editMessageText") if c.ok]
    waiting = [t for t in edits if t.startswith(f"Fetching <code>{TEXT}</code>…") and t.endswith(" s)")]
    assert waiting, edits  # the message showed the fetch going on before the preview
    assert preview["text"].startswith("Import this text?")


async def test_cancel_writes_nothing(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    ep.doceo(TEXT, Route(body=doceo_page(TEXT, TITLE)))
    await start(start_bot, corpus, ep)
    before = sorted(p.name for p in corpus.iterdir())
    [status] = await say(telegram, olga_chat, olga, f"/import {TEXT}")
    outcome = await choose(telegram, await settled(telegram, status), olga, "Cancel")
    assert outcome["text"] == "Cancelled: nothing was written."
    assert sorted(p.name for p in corpus.iterdir()) == before


async def test_an_uploaded_page_is_imported_like_a_fetched_one(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    await start(start_bot, corpus, ep)
    status = await upload(telegram, olga_chat, olga, f"{TEXT}_EN.html", doceo_page(TEXT, TITLE))
    preview = await settled(telegram, status)
    assert "2021/2544(RSP) · adopted 2021-02-11" in preview["text"]
    outcome = await choose(telegram, preview, olga, "Add")
    assert outcome["text"].startswith("Added ") and (corpus / FILE).exists()


async def test_a_second_import_of_the_same_text_asks_to_replace(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    ep.doceo(TEXT, Route(body=doceo_page(TEXT, TITLE)))
    await start(start_bot, corpus, ep)
    [status] = await say(telegram, olga_chat, olga, f"/import {TEXT}")
    await choose(telegram, await settled(telegram, status), olga, "Add")
    # The second time the preview says so at once, and offers Replace instead of Add.
    [status] = await say(telegram, olga_chat, olga, f"/import {TEXT}")
    outcome = await settled(telegram, status)
    assert outcome["text"].startswith(f"Already in the corpus: {FILE} (same text number TA-9-2021-0056")
    assert "2021/2544(RSP) · adopted 2021-02-11" in outcome["text"]  # the preview, under the notice
    assert [b["text"] for b in buttons(outcome)] == ["Replace", "Cancel"]
    assert "--force" not in outcome["text"] and outcome["text"].count("Already in the corpus") == 1
    replaced = await choose(telegram, outcome, olga, "Replace")
    assert replaced["text"].startswith(f"Replaced with {FILE}")
    assert (corpus / ".trash").exists() and (corpus / FILE).exists()


@pytest.mark.parametrize(("argument", "reason"), [
    ("TA-9-2021-0999", "HTTP 404"),
    ("/etc/passwd", "not a text number like TA-9-2021-0056 nor an http(s) URL"),
    ("ftp://example.org/x.html", "only http(s) URLs are fetched"),
])
async def test_a_refused_source_says_why_and_writes_nothing(
    argument: str, reason: str, telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    await start(start_bot, corpus, ep)
    before = sorted(p.name for p in corpus.iterdir())
    [status] = await say(telegram, olga_chat, olga, f"/import {argument}")
    refused = await settled(telegram, status)
    assert refused["text"].startswith("Not imported:") and reason in refused["text"]
    assert buttons(refused) == []
    assert sorted(p.name for p in corpus.iterdir()) == before


async def test_import_without_a_source_shows_how(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    await start(start_bot, corpus, ep)
    [reply] = await say(telegram, olga_chat, olga, "/import")
    assert reply["text"].startswith("Give a text number or the address of a text adopted")


async def test_non_admins_are_refused_and_their_pages_never_downloaded(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    ana: dict[str, Any], ana_chat: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    ep.doceo(TEXT, Route(body=doceo_page(TEXT, TITLE)))
    await start(start_bot, corpus, ep)
    [reply] = await say(telegram, ana_chat, ana, f"/import {TEXT}")
    assert reply["text"] == NOT_ALLOWED
    refused = await upload(telegram, ana_chat, ana, f"{TEXT}_EN.html", doceo_page(TEXT, TITLE))
    assert refused["text"] == NOT_ALLOWED
    assert telegram.downloads == [] and ep.requests == []


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("report.pdf", b"%PDF-1.7 broken", "PDF"),
    ("report.docx", b"PK\x03\x04 not a zip", "DOCX"),
    ("page.html", b"<html><body><p>Nothing like a resolution here.</p></body></html>", "resolution"),
])
async def test_a_broken_or_unfit_upload_is_refused_with_its_reason(
    name: str, content: bytes, reason: str, telegram: FakeTelegram, start_bot: BotStarter, corpus: Path,
    ep: StandIn, olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    await start(start_bot, corpus, ep)
    before = sorted(p.name for p in corpus.iterdir())
    status = await upload(telegram, olga_chat, olga, name, content)
    refused = await settled(telegram, status)
    assert refused["text"].startswith(f"Not imported: {name}: ") and reason in refused["text"], refused["text"]
    assert sorted(p.name for p in corpus.iterdir()) == before


@pytest.mark.parametrize("url", [
    "http://10.1.2.3/doceo/document/TA-9-2021-0056_EN.html",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:{port}/doceo/document/TA-9-2021-0056_EN.html",
    "http://127.0.0.1:1/doceo/document/TA-9-2021-0056_EN.html",  # EP_BASE_URL's host, another port
])
async def test_an_address_on_the_bots_own_network_is_not_fetched(
    url: str, telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    # EP_BASE_URL's host and port (127.0.0.1 here) are the operator's choice; any other
    # internal address, "localhost" and another port of that host included, is refused
    # before a request is sent.
    ep.doceo(TEXT, Route(body=doceo_page(TEXT, TITLE)))
    await start(start_bot, corpus, ep)
    url = url.format(port=ep.url.rsplit(":", 1)[1].rstrip("/"))
    [status] = await say(telegram, olga_chat, olga, f"/import {url}")
    refused = await settled(telegram, status)
    assert refused["text"].startswith("Not imported:")
    assert "it is an address of this machine or its network" in refused["text"]
    assert ep.requests == []


async def test_a_malformed_url_is_a_refusal_not_an_apology(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    await start(start_bot, corpus, ep)
    [status] = await say(telegram, olga_chat, olga, "/import http://[::1/x.html")
    refused = await settled(telegram, status)
    assert refused["text"].startswith("Not imported: http://[::1/x.html")


async def test_a_redirect_to_the_bots_own_network_is_not_followed(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ep: StandIn,
    olga: dict[str, Any], olga_chat: dict[str, Any],
) -> None:
    port = ep.url.rsplit(":", 1)[1].rstrip("/")
    ep.routes["/redirect"] = Route(302, b"", headers={"Location": f"http://localhost:{port}/secret"})
    ep.routes["/secret"] = Route(body=doceo_page(TEXT, TITLE))
    await start(start_bot, corpus, ep)
    [status] = await say(telegram, olga_chat, olga, f"/import {ep.url}redirect")
    refused = await settled(telegram, status)
    assert refused["text"].startswith("Not imported:")
    assert f"redirected to http://localhost:{port}/secret" in refused["text"]
    assert "it is an address of this machine or its network" in refused["text"]
    assert [r.path for r in ep.requests] == ["/redirect"]  # the internal address was never requested
