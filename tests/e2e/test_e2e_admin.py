"""Admins keep the corpus current from Telegram: menus, uploads, /reload, /remove, /corpus,
/stats; everyone else gets one neutral line, and their files are never downloaded."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_ID, BotStarter
from conversation import buttons, press, replies, say, upload
from fake_telegram import FakeTelegram

from bot.corpus.load import MAX_FILE_BYTES
from bot.telegram.render_admin import EXPIRED, NOT_ALLOWED

TCA = "2019-2610-kazakhstan-human-rights-tca.txt"
OEIL = "2016-2607-kazakhstan-freedom-of-expression-oeil.md"
GOOD = (
    b"---\ntitle: European Parliament resolution on reservoir safety in Sylvania\n"
    b"reference: 2021/2001(RSP)\nadopted: 2021-05-20\nkind: text_adopted\n"
    b"source: European Parliament\n---\n"
    b"Parliament calls on Sylvania to inspect every reservoir dam before the spring floods.\n"
)
NEWER = GOOD.replace(b"spring floods", b"autumn storms")
PUBLIC = ["ask", "sources", "help", "start"]
ADMIN = ["reload", "corpus", "remove", "stats", "import", "sync", "unanswered"]


def files(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (the trash included), with its bytes; not the saved
    index, which the bot rewrites whenever the corpus changes."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file() and ".index" not in p.parts
    }


async def test_admins_get_the_admin_commands_in_their_own_menu_only(
    telegram: FakeTelegram, start_bot: BotStarter, olga_chat: dict[str, Any], corpus: Path
) -> None:
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    await telegram.wait_for(lambda: telegram.scoped_commands)
    assert set(PUBLIC) <= {c["command"] for c in telegram.commands}
    assert not {c["command"] for c in telegram.commands} & set(ADMIN)
    assert list(telegram.scoped_commands) == [ADMIN_ID]
    menu = [c["command"] for c in telegram.scoped_commands[ADMIN_ID]]
    assert menu[: len(menu) - len(ADMIN)] == [c["command"] for c in telegram.commands]
    assert menu[-len(ADMIN):] == ADMIN
    scope = next(c for c in telegram.calls_to("setMyCommands") if "scope" in c.params).params["scope"]
    assert '"type": "chat"' in scope and f'"chat_id": {ADMIN_ID}' in scope


async def test_an_admin_telegram_does_not_know_yet_is_logged_and_the_bot_runs(
    telegram: FakeTelegram, start_bot: BotStarter, olga_chat: dict[str, Any], corpus: Path,
    ana: dict[str, Any], ana_chat: dict[str, Any], caplog: pytest.LogCaptureFixture,
) -> None:
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID, 777}))
    await telegram.wait_for(lambda: telegram.scoped_commands)
    [refused] = telegram.rejections
    assert refused.method == "setMyCommands" and refused.description == "Bad Request: chat not found"
    telegram.rejections.clear()  # expected: Telegram refuses a chat it does not know
    assert "no admin command menu for user 777 yet" in caplog.text
    [answer] = await say(telegram, ana_chat, ana, "release of Vladimir Kozlov")
    assert "Vladimir Kozlov" in answer["text"]


@pytest.mark.parametrize("admins", [frozenset({ADMIN_ID}), frozenset()], ids=["other-admin", "no-admins"])
async def test_a_non_admin_gets_one_neutral_line_and_nothing_changes(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, ana: dict[str, Any],
    ana_chat: dict[str, Any], caplog: pytest.LogCaptureFixture, admins: frozenset[int],
    olga_chat: dict[str, Any],
) -> None:
    before = files(corpus)
    await start_bot(corpus, admin_ids=admins)
    for command in ["/reload", f"/remove {TCA}", "/corpus", "/stats"]:
        [reply] = await say(telegram, ana_chat, ana, command)
        assert reply["text"] == NOT_ALLOWED
        assert f"refused {command.split()[0]} from user {ana['id']}" in caplog.text
    reply = await upload(telegram, ana_chat, ana, "mine.md", GOOD)
    assert reply["text"] == NOT_ALLOWED
    assert "refused upload of 'mine.md' from user 1001" in caplog.text
    # A button of an admin's confirmation, pressed by someone else, does nothing.
    query_id = telegram.press_stale(reply, ana, "adm:yes:AAAAAAAA")
    await telegram.wait_for(lambda: telegram.callback_queries[query_id])
    assert telegram.callback_queries[query_id]["text"] == NOT_ALLOWED  # type: ignore[index]
    assert len(telegram.bot_messages_in(ana_chat["id"])) == 5  # one line each, no hint after
    assert telegram.calls_to("getFile") == [] and telegram.downloads == []
    assert files(corpus) == before
    assert ana["id"] not in telegram.scoped_commands


async def test_an_uploaded_file_answers_questions_and_survives_a_restart(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], ana: dict[str, Any], ana_chat: dict[str, Any],
) -> None:
    bot = await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    [before] = await say(telegram, ana_chat, ana, "reservoir dam")
    assert before["text"].startswith("No passage matches")

    reply = await upload(telegram, olga_chat, olga, "reservoirs.md", GOOD)
    assert reply["text"].startswith("Saved reservoirs.md (1 passage).\n\nCorpus reloaded.")
    assert "Added: reservoirs.md" in reply["text"] and "Passages: 20 → 21" in reply["text"]
    assert (corpus / "reservoirs.md").read_bytes() == GOOD
    assert len(telegram.downloads) == 1

    [answer] = await say(telegram, ana_chat, ana, "reservoir dam")
    assert "inspect every reservoir dam before the spring floods" in answer["text"]
    assert "2021/2001(RSP) · adopted 2021-05-20" in answer["text"]

    await bot.stop()
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    [again] = await say(telegram, ana_chat, ana, "reservoir dam")
    assert "inspect every reservoir dam before the spring floods" in again["text"]


async def test_every_kind_of_bad_file_is_refused_with_its_reason_and_nothing_is_written(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any],
) -> None:
    before = files(corpus)
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    cases: list[tuple[str, bytes, dict[str, Any], str]] = [
        ("latin1.txt", "Résolution adoptée par le Parlement européen.".encode("latin-1"), {},
         "not UTF-8 (byte 0xe9 at offset 1)"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00IHDR", {}, "binary file (contains NUL bytes)"),
        ("empty.md", b"", {}, "empty file"),
        ("blank.md", b"  \n\n \n", {}, "empty file"),
        ("broken.md", b"---\ntitle: [unclosed\n---\nThe Parliament adopted a resolution on this.\n",
         {}, "broken.md:2: error: broken YAML front matter: a value must be a single value, not a list"),
        ("votes.md", b"---\nvotes: 500\n---\nThe Parliament adopted a resolution on this today.\n",
         {}, "unknown key 'votes'"),
        ("short.md", b"Too short.\n", {}, "no passage"),
        ("conflict.md", b"---\nreference: 2016/2607(RSP)\nadopted: 2016-04-01\n---\n"
         b"The European Parliament adopted a resolution today on this matter.\n", {},
         f"2016/2607(RSP) adopted 2016-04-01 here but 2016-03-10 in {OEIL}"),
        # Telegram declares the size: over the cap, the file is never downloaded.
        ("huge.md", b"small content, big declared size", {"file_size": MAX_FILE_BYTES + 1},
         "The file is 5,242,881 bytes; the cap is 5,242,880 bytes (5 MiB)."),
        # No declared size: downloaded, then refused by its real size.
        ("undeclared.md", b"word " * (MAX_FILE_BYTES // 5 + 1), {"file_size": None},
         "over the 5242880 byte cap"),
        ("report.odt", b"PK\x03\x04", {"mime_type": "application/vnd.oasis.opendocument.text"},
         "'report.odt': only .txt and .md files are accepted."),
        (None, GOOD, {}, "'' is not a usable file name."),
    ]
    for name, content, kwargs, reason in cases:
        reply = await upload(telegram, olga_chat, olga, name, content, **kwargs)
        assert reply["text"].startswith(f"Not saved: {name or 'the file'}\n"), reply["text"]
        assert reason in reply["text"], (name, reply["text"])
        assert buttons(reply) == []
    # Only the two files whose declared size and name were acceptable and that were
    # too big or bad inside were downloaded; refused by name or size, never.
    downloaded = {telegram.files[f]["file_name"] for f in telegram.files
                  if telegram.files[f].get("file_path") in telegram.downloads}
    assert "huge.md" not in downloaded and "report.odt" not in downloaded
    assert "undeclared.md" in downloaded and "latin1.txt" in downloaded
    assert files(corpus) == before


async def test_traversal_names_never_leave_the_corpus(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], tmp_path: Path,
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("A file next to the corpus directory, which no admin may remove.")
    before = files(tmp_path)
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    saved = {
        "../../x.md": "x.md", "sub/dir/y.md": "y.md", "..\\..\\w.md": "w.md",
        "/etc/cron.d/z.txt": "z.txt",
    }
    for index, (requested, name) in enumerate(saved.items()):
        # Four resolutions (one text under two names would be refused as a duplicate).
        content = GOOD.replace(b"Sylvania", f"Sylvania{index}".encode()).replace(
            b"2021/2001(RSP)", f"2021/{2001 + index}(RSP)".encode())
        reply = await upload(telegram, olga_chat, olga, requested, content)
        assert reply["text"].startswith(f"Saved {name} (1 passage)"), reply["text"]
        assert (corpus / name).read_bytes() == content
    for requested, reason in [("evil\x00.md", "NUL byte"), ("..", "not a usable file name"),
                              ("../.hidden.md", "not a usable file name")]:
        reply = await upload(telegram, olga_chat, olga, requested, GOOD)
        assert reason in reply["text"]
    for requested in ["../outside.md", "../corpus/" + TCA, "/etc/passwd"]:
        [reply] = await say(telegram, olga_chat, olga, f"/remove {requested}")
        assert reply["text"].startswith("Not removed:") and "There is no file called" in reply["text"]
        assert buttons(reply) == []
    after = files(tmp_path)
    assert {k for k in after if k not in before} == {f"corpus/{n}" for n in saved.values()}
    assert all(after[k] == v for k, v in before.items())


async def test_replacing_a_file_needs_the_button(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], ana: dict[str, Any],
) -> None:
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    await upload(telegram, olga_chat, olga, "reservoirs.md", GOOD)

    ask = await upload(telegram, olga_chat, olga, "reservoirs.md", NEWER)
    assert ask["text"] == "reservoirs.md already exists. Replace it? The old file is kept in .trash/."
    replace, cancel = buttons(ask)
    assert (replace["text"], cancel["text"]) == ("Replace", "Cancel")
    assert all(len(b["callback_data"].encode()) <= 64 for b in (replace, cancel))
    assert (corpus / "reservoirs.md").read_bytes() == GOOD  # nothing until the button

    edited = await press(telegram, ask, olga, cancel["callback_data"])
    assert edited["text"] == "Cancelled: reservoirs.md is unchanged." and buttons(edited) == []
    assert (corpus / "reservoirs.md").read_bytes() == GOOD
    query_id = telegram.press_stale(ask, olga, replace["callback_data"])  # taken by Cancel
    await telegram.wait_for(lambda: telegram.callback_queries[query_id])
    assert telegram.callback_queries[query_id]["text"] == EXPIRED  # type: ignore[index]

    ask = await upload(telegram, olga_chat, olga, "reservoirs.md", NEWER)
    replace, _ = buttons(ask)
    # Someone else pressing it (say, in a forwarded copy) is refused, and it still works.
    query_id = telegram.press_stale(ask, ana, replace["callback_data"])
    await telegram.wait_for(lambda: telegram.callback_queries[query_id])
    assert telegram.callback_queries[query_id]["text"] == NOT_ALLOWED  # type: ignore[index]
    edited = await press(telegram, ask, olga, replace["callback_data"])
    assert edited["text"].startswith("Replaced reservoirs.md (1 passage).\n\nCorpus reloaded.")
    assert "Changed: reservoirs.md" in edited["text"] and buttons(edited) == []
    assert (corpus / "reservoirs.md").read_bytes() == NEWER
    assert [p.read_bytes() for p in (corpus / ".trash").iterdir()] == [GOOD]
    [answer] = await say(telegram, olga_chat, olga, "reservoir dam")
    assert "autumn storms" in answer["text"]


async def test_remove_asks_first_then_moves_the_file_to_the_trash(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any],
) -> None:
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    [usage] = await say(telegram, olga_chat, olga, "/remove")
    assert usage["text"].startswith("Name the file to remove, as /corpus lists it")

    [ask] = await say(telegram, olga_chat, olga, f"/remove {TCA}")
    assert ask["text"] == f"Remove {TCA} from the corpus? It is kept in .trash/."
    remove, cancel = buttons(ask)
    assert (remove["text"], cancel["text"]) == ("Remove", "Cancel")
    assert (corpus / TCA).exists()

    edited = await press(telegram, ask, olga, remove["callback_data"])
    assert edited["text"].startswith(f"Removed {TCA} (kept in .trash/).\n\nCorpus reloaded.")
    assert f"Removed: {TCA}" in edited["text"] and "Passages: 20 → 13" in edited["text"]
    assert not (corpus / TCA).exists()
    assert [p.name.startswith(TCA) for p in (corpus / ".trash").iterdir()] == [True]
    [answer] = await say(telegram, olga_chat, olga, "political prisoners")
    assert "Times of Central Asia" not in answer["text"] and "2016/2607(RSP)" in answer["text"]

    [again] = await say(telegram, olga_chat, olga, f"/remove {TCA}")
    assert again["text"] == f"Not removed: {TCA}\nThere is no file called '{TCA}' in the corpus."


async def test_corpus_lists_files_and_stats_count_answers(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], ana: dict[str, Any], ana_chat: dict[str, Any],
) -> None:
    (corpus / "broken.md").write_bytes(b"---\ntitle: [\n---\nThe Parliament adopted it today.\n")
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    [listing] = await say(telegram, olga_chat, olga, "/corpus")
    text = listing["text"]
    assert f"{OEIL}: 13 passages\n  2016/2607(RSP) · 2016-03-10 · summary, Legislative Observatory (OEIL)" in text
    assert f"{TCA}: 7 passages\n  2019/2610(RSP) · 2019-03-14 · news report, Times of Central Asia" in text
    assert "Skipped files (1):\n• broken.md:2: error: broken YAML front matter: a value must be a single value" in text

    for question in ["release of Vladimir Kozlov", "political prisoners", "reservoir dam"]:
        await say(telegram, ana_chat, ana, question)
    [stats] = await say(telegram, olga_chat, olga, "/stats")
    lines = stats["text"].splitlines()
    assert lines[0] == "Bot statistics" and lines[1].startswith("Uptime: 0d 0h ")
    assert lines[2:5] == ["Documents: 2", "Passages: 20", "Questions answered: 3"]
    assert lines[5].startswith("Answer time: median ") and "p95 " in lines[5]
    assert "n/a" not in lines[5]


async def test_two_reloads_build_once_while_questions_are_answered(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}), questions_per_minute=100)
    service = bot.service
    # Hold the build until both /reload commands are inside Service.reload: a handler
    # that serialised them would never get the second one in, and the test would fail.
    entered, builds, release = [], [], threading.Event()
    reload, rebuild = service.reload, service._rebuild

    def counting_reload() -> Any:
        entered.append(1)
        return reload()

    def held_rebuild() -> Any:
        builds.append(1)
        assert release.wait(15)
        return rebuild()

    monkeypatch.setattr(service, "reload", counting_reload)
    monkeypatch.setattr(service, "_rebuild", held_rebuild)
    (corpus / "reservoirs.md").write_bytes(GOOD)

    telegram.send_text(olga_chat, olga, "/reload")
    telegram.send_text(olga_chat, olga, "/reload")
    await telegram.wait_for(lambda: len(entered) == 2)
    # A stream of questions from several users while the index is being rebuilt.
    users = [telegram.user(2000 + n, f"U{n}") for n in range(8)]
    chats = [telegram.private_chat(u) for u in users]
    for _ in range(4):
        for user, chat in zip(users, chats, strict=True):
            telegram.send_text(chat, user, "release of Vladimir Kozlov")
    for chat in chats:
        await replies(telegram, chat["id"], 4, exact=False)
    assert telegram.bot_messages_in(olga_chat["id"]) == []  # the reloads are still held
    release.set()

    first, second = await replies(telegram, olga_chat["id"], 2, exact=False)
    assert builds == [1]
    assert first["text"] == second["text"]
    assert first["text"].startswith("Corpus reloaded.\nAdded: reservoirs.md")

    # More questions while real reloads run, without any hold.
    monkeypatch.setattr(service, "_rebuild", rebuild)
    for round_ in range(3):
        telegram.send_text(olga_chat, olga, "/reload")
        for user, chat in zip(users, chats, strict=True):
            telegram.send_text(chat, user, "release of Vladimir Kozlov")
        await replies(telegram, olga_chat["id"], 3 + round_, exact=False)
    for chat in chats:
        answers = await replies(telegram, chat["id"], 7, exact=False)
        for answer in answers:
            assert answer["text"].startswith("Passage"), answer["text"]
            assert "release the opposition leader Vladimir Kozlov" in answer["text"]


async def test_a_failing_admin_action_gets_the_apology_and_no_second_answer(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    bot = await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))

    def broken() -> Any:
        raise OSError("disk gone")

    monkeypatch.setattr(bot.service, "reload", broken)
    [reply] = await say(telegram, olga_chat, olga, "/reload")
    assert reply["text"].startswith("Sorry, something went wrong")
    # The bot goes on; the failed /reload got the apology and nothing else.
    [answer] = await say(telegram, olga_chat, olga, "release of Vladimir Kozlov")
    assert "Vladimir Kozlov" in answer["text"]
    assert len(telegram.bot_messages_in(olga_chat["id"])) == 2
    assert "disk gone" in caplog.text and logging.ERROR in {r.levelno for r in caplog.records}


async def test_corpus_comes_one_page_at_a_time_with_more_for_admins_only(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], ana: dict[str, Any],
) -> None:
    for n in range(120):
        (corpus / f"r{n:03d}-{'long-name-' * 8}.md").write_bytes(
            GOOD.replace(b"2021/2001", f"2021/{n + 3000:04d}".encode())
        )
    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    [message] = await say(telegram, olga_chat, olga, "/corpus")
    assert message["text"].startswith("122 files in the corpus (entries 1–")
    [more] = buttons(message)
    # Anyone else pressing it gets the neutral line, and the listing stays as it was.
    refused = telegram.press_stale(message, ana, more["callback_data"])
    assert (await telegram.wait_for(lambda: telegram.callback_queries[refused]))["text"] == NOT_ALLOWED
    seen = [message["text"]]
    while buttons(message):
        [more] = buttons(message)
        message = await telegram.edited(message, telegram.press(message, olga, more["callback_data"]))
        seen.append(message["text"])
    assert len(seen) > 2 and len(telegram.bot_messages_in(olga_chat["id"])) == 1
    joined = "\n".join(seen)
    assert all(joined.count(f"2021/{n + 3000:04d}(RSP) · 2021-05-20") == 1 for n in range(120))
    assert seen[-1].split(":")[0].endswith("of 122)")
    stale = telegram.press_stale(message, olga, "adm:page:0:5")
    answer = await telegram.wait_for(lambda: telegram.callback_queries[stale])
    assert answer["text"] == "This list has changed or expired. Send /corpus again."


async def test_a_corpus_dir_that_is_not_writable_is_named_to_the_admin(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    # The tests run as root, which writes anywhere: the refusal is the operating system's
    # error as a root-owned /app/corpus gives it to the bot's user.
    def refused(name: str, *args: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(corpus / name))

    bot = await start_bot(corpus, admin_ids=frozenset({ADMIN_ID}))
    monkeypatch.setattr(bot.service, "add_document", refused)
    monkeypatch.setattr(bot.service, "remove_document", refused)
    with caplog.at_level(logging.ERROR, logger="bot.telegram.admin"):
        reply = await upload(telegram, olga_chat, olga, "reservoirs.md", GOOD)
        [ask] = await say(telegram, olga_chat, olga, f"/remove {TCA}")
        [remove, _] = buttons(ask)
        edited = await press(telegram, ask, olga, remove["callback_data"])
    for text in [reply["text"], edited["text"]]:
        assert text.startswith(f"CORPUS_DIR is not writable: {corpus} (Permission denied).")
        assert "Traceback" not in text and "Sorry" not in text
    logged = [r for r in caplog.records if r.name == "bot.telegram.admin"]
    assert len(logged) == 2 and all(str(corpus) in r.getMessage() and r.exc_info for r in logged)
    assert not any(m["text"].startswith("Sorry") for m in telegram.bot_messages_in(olga_chat["id"]))


async def test_a_confirmation_is_pressed_only_by_the_admin_who_asked(
    telegram: FakeTelegram, start_bot: BotStarter, corpus: Path, olga: dict[str, Any],
    olga_chat: dict[str, Any], ana: dict[str, Any],
) -> None:
    # Two admins (in a group both would see the buttons): Ana cannot confirm Olga's removal.
    from bot.telegram.render_admin import NOT_YOURS

    await start_bot(corpus, admin_ids=frozenset({ADMIN_ID, ana["id"]}))
    await telegram.wait_for(lambda: telegram.scoped_commands)
    telegram.rejections.clear()  # Ana has no chat with the bot yet: no admin menu for her (as Telegram does)
    [ask] = await say(telegram, olga_chat, olga, f"/remove {TCA}")
    remove, cancel = buttons(ask)
    for button in (remove, cancel):
        query_id = telegram.press_stale(ask, ana, button["callback_data"])
        answer = await telegram.wait_for(lambda q=query_id: telegram.callback_queries[q])  # type: ignore[misc]
        assert answer["text"] == NOT_YOURS
    assert (corpus / TCA).exists() and buttons(ask) == [remove, cancel]
    edited = await press(telegram, ask, olga, remove["callback_data"])
    assert edited["text"].startswith(f"Removed {TCA} (kept in .trash/).")
    assert not (corpus / TCA).exists()
