"""What the bot can do, without Telegram: ask, sources, reload, corpus edits, sync, stats.

The service holds one immutable snapshot (corpus + index). Answers read whichever
snapshot is current when they start; a reload builds a new one aside and swaps the
reference in one assignment, so no answer ever sees a half-built index.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bot.answers.answer import Answer
from bot.answers.stats import AnswerStats, StatsReport
from bot.corpus import store
from bot.corpus.cache import paused_gc
from bot.corpus.load import Corpus, date_conflict, duplicates_of, import_parser, load_corpus, parse_document
from bot.corpus.models import CorpusError, Document, Hit, Passage, Problem
from bot.corpus.passage_list import PassageList
from bot.search.budget import Budget
from bot.search.index import Bm25Index
from bot.search.index_store import Mapped, cache_key, family_key, index_order, load_or_build
from bot.search.language import language_note, saved_corpus_languages
from bot.search.layout_store import files_of, layout_key, saved_layout
from bot.search.query import Query, QueryError, as_written, parse_query
from bot.search.ranking import Context, rank_passages, saved_context
from bot.search.resolutions import Layout
from bot.search.tokens import MAX_TEXT_CHARS, TextMessages, check_text, tokenize, without_lone_surrogates

if TYPE_CHECKING:
    from bot.answers.quote import QuoteResult
    from bot.answers.timeline import Timeline
    from bot.corpus.importer import Prepared
    from bot.corpus.sync import RefusedText, SyncReport, SyncSource

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = MAX_TEXT_CHARS
_COMMON_ONLY = (
    "That question has only common words. Add the words that matter, "
    "for example: “political prisoners in Kazakhstan”."
)
_QUESTION_MESSAGES = TextMessages(
    empty="Please type a question: the message is empty.",
    too_long="That question is {length:,} characters long; please keep it under {limit:,}.",
    no_words=_COMMON_ONLY,
    common_words=_COMMON_ONLY,
)
DEFAULT_TOP = 3
# Seconds between the GIL's turns while a reload runs (Python's default: 0.005).
RELOAD_SWITCH_INTERVAL = 0.001
# Next to the saved index: the languages sampled from the corpus it was saved for.
LANGUAGES_FILE = "languages.json"
# A reload keeps the corpus languages counted before while the documents added, removed
# or changed since that count are at most this share of the corpus: a language counts
# from a tenth of the sampled passages (bot.search.language), so 1% of the documents can
# only tip one that stood within a point of that line; counting again took 0.3 s of a 1M
# reload. The changes add up from reload to reload until they pass it: then it is counted.
LANGUAGES_DRIFT = 0.01
# Seconds after a start that parsed no file when the parser is imported (see Service.__init__).
PARSER_AFTER = 2.0


class EmptyCorpus(Exception):
    """The corpus directory is missing or holds no servable document (a start-up error)."""


class BadQuestion(ValueError):
    """A question the bot cannot search for; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One consistent state of the corpus and its index."""

    corpus: Corpus
    index: Bm25Index
    passages: Sequence[Passage]  # a PassageList: each document's passages made when one is read
    documents: dict[str, Document]
    built_at: float
    layout: Layout  # passage -> document -> resolution, for filters and the timeline
    context: Context | None = None  # the documents' titles, a context field in ranking
    languages: tuple[str, ...] = ()  # the languages the corpus is written in, most common first
    languages_drift: int = 0  # documents added, removed or changed since the languages were counted
    # Names what is served (each file's digest, each problem): the same corpus after a
    # restart has the same stamp, so a button made before it still names it.
    stamp: str = ""
    # ``resolutions``, made when first asked for (/sources): 10,000 of them took 0.03 s of every start.
    _resolutions: list[tuple[Resolution, ...]] = field(default_factory=list, repr=False, compare=False)

    @property
    def resolutions(self) -> tuple[Resolution, ...]:
        """Every resolution with the documents behind it, oldest first (for /sources and its pages)."""
        if not self._resolutions:
            layout = self.layout
            self._resolutions.append(tuple(sorted(
                (
                    Resolution(info.reference, info.title, info.adopted, docs)
                    for info, docs in zip(layout.resolutions, layout.resolution_documents, strict=True)
                ),
                key=lambda r: (r.adopted or dt.date.max, r.reference or ""),
            )))
        return self._resolutions[0]

    @classmethod
    def build(
        cls, corpus: Corpus, on_index_damaged: Callable[[Path, str], None] | None = None,
        previous: Snapshot | None = None,
    ) -> Snapshot:
        """The snapshot of ``corpus``; ``on_index_damaged`` is told if its saved index, checked
        in full after the start, turns out damaged (and removed). ``previous`` (the snapshot
        a reload replaces) lends its corpus languages when few documents changed since."""
        cache_dir = corpus.directory / ".index"
        family = family_key(tokenizer=tokenize)
        # The documents the saved index holds unchanged come first, in its order: a few
        # new or changed files are then merged into it, not a reason to rebuild it.
        # Each document as the index knows it: by its passages' texts, not its file's bytes.
        digests = {d.name: d.indexed_digest for d in corpus.documents}
        order = index_order(cache_dir, family, [(d.name, digests[d.name]) for d in corpus.documents])
        indexed = [corpus.documents[i] for i in order]
        passages = PassageList(indexed)
        # Saved next to the corpus, keyed by its content: a start does not re-tokenize it.
        key = cache_key((f"{d.name}\0{digests[d.name]}" for d in indexed), family=family)
        index = load_or_build(
            cache_dir,
            key,
            # Made only if the index must be built (10^6 up front: a tenth of a warm start);
            # tokenized by load_or_build, aside if large; read without being kept.
            Mapped(passages.unkept(), _searchable),
            tokenize,
            family=family,
            documents=[(d.name, digests[d.name], len(d.passages)) for d in indexed],
            on_damaged=on_index_damaged,
        )
        documents = {d.name: d for d in indexed}  # in the index's order: passage ids follow it
        # After a reload that only added files, their passages come last (index_order): the
        # previous layout and titles' index are extended by them, the others not read again.
        head = _unchanged_head(previous.layout if previous is not None else None, indexed)
        # What the documents' metadata is: their files' bytes as this parser reads them.
        files = files_of(corpus.documents)  # each file's name and bytes
        read_as = layout_key(corpus.parses.version, [files[i] for i in order]) if corpus.parses is not None else None
        if previous is not None and head is not None:
            layout = previous.layout.extended(indexed[head:])
        elif read_as is not None:
            # Kept beside the saved index: reading every document's metadata took 50 ms of a start.
            layout = saved_layout(cache_dir, read_as, documents)
        else:
            layout = Layout.of_documents(documents)
        # Saved beside the corpus's index: tokenizing 10,000 titles took 0.3 s of every start.
        grown = (previous.context, head) if previous is not None and previous.context and head is not None else None
        context = saved_context(cache_dir, key, family, layout, grown, titles_key=read_as)
        # Sampled once per corpus, not at every start.
        drift = 0
        known = None
        if previous is not None:
            before = {d.name: d.digest for d in previous.documents.values()}
            after = {d.name: d.digest for d in indexed}
            drift = previous.languages_drift + len(set(before.items()) ^ set(after.items()))
            if drift <= LANGUAGES_DRIFT * len(after):
                known = previous.languages  # too few documents changed to tell another language
            else:
                drift = 0
        languages = saved_corpus_languages(
            cache_dir / LANGUAGES_FILE, key, lambda: language_sample(indexed), known=known
        )
        stamp = hashlib.sha256(
            "\n".join([*files, *(str(p) for p in corpus.problems)]).encode("utf-8", "surrogatepass")
        ).hexdigest()[:12]
        return cls(
            corpus, index, passages, documents, time.time(), layout, context, languages, drift, stamp,
        )


def _logged(job: Callable[[], None]) -> None:
    """``job()`` in a background thread, its failure logged rather than lost with its future."""
    try:
        job()
    except Exception:
        logger.exception("writing the parse cache failed: unchanged files will be parsed again")


def _unchanged_head(previous: Layout | None, indexed: Sequence[Document]) -> int | None:
    """How many documents ``previous`` holds when they are the first of ``indexed``, the very
    objects (files unchanged since); None when they are not."""
    if previous is None or len(previous.documents) > len(indexed):
        return None
    head = previous.documents
    return len(head) if all(a is b for a, b in zip(head, indexed, strict=False)) else None


def language_sample(documents: Sequence[Document], count: int = 2000, spread: int = 200) -> Iterator[str]:
    """About ``count`` passage texts to tell the corpus languages by, from at most ``spread`` documents.

    Evenly spaced documents, and evenly spaced passages in each: a sample spread over
    every passage would make the passages of nearly every document (bot.corpus.lazy),
    at every reload that changes the corpus.
    """
    chosen = documents[:: max(1, -(-len(documents) // spread))]
    each = max(1, -(-count // max(1, len(chosen))))
    for document in chosen:
        passages = document.passages
        yield from (p.text for p in passages[:: max(1, len(passages) // each)][:each])


def _searchable(passage: Passage) -> str:
    return passage.searchable


@dataclass(frozen=True, slots=True)
class Resolution:
    """A resolution as the corpus knows it, with the documents about it."""

    reference: str | None
    title: str | None
    adopted: dt.date | None
    documents: tuple[Document, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a reload changed, or why the old corpus was kept."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    documents_before: int
    documents_after: int
    passages_before: int
    passages_after: int
    seconds: float
    problems: tuple[Problem, ...]
    kept_old: bool = False


@dataclass(frozen=True, slots=True)
class UploadResult:
    """A file written into the corpus and the reload that followed."""

    name: str
    replaced: bool
    passages: int
    reload: ReloadReport


@dataclass(frozen=True, slots=True)
class SyncDone:
    """A sync with the Parliament and the reload that followed it (None when nothing was written)."""

    report: SyncReport
    reload: ReloadReport | None
    new_refusals: tuple[RefusedText, ...]  # refusals the sync before did not have


class SyncRunning(Exception):
    """A sync is running already: two never run at once."""


class NeedsConfirmation(Exception):
    """The upload would replace an existing file; ask the admin first."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} already exists")
        self.name = name


@dataclass(frozen=True, slots=True)
class ServiceStats:
    uptime_s: float
    documents: int
    passages: int
    answers: StatsReport


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _timed(method: _Method) -> _Method:
    """Record how long each answered question takes, for /stats (refusals are not answers)."""

    @functools.wraps(method)
    def wrapper(self: Service, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = method(self, *args, **kwargs)
        self._stats.record(time.perf_counter() - started)
        return result

    return cast(_Method, wrapper)


@contextlib.contextmanager
def _short_turns() -> Iterator[None]:
    """Threads take turns with the GIL every millisecond meanwhile, not every five.

    A reload's corpus loading is Python that holds the GIL a whole turn at a time, and a
    question answered meanwhile gives it up at each large numpy call, then waits a turn
    to get it back: at 10^6 passages that made p99 100 ms during a reload, 50 ms with
    1 ms turns. Reloads run one at a time (``_reload``), so the setting is restored."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, RELOAD_SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class Service:
    """The bot's logic; every public method is synchronous and thread-safe."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self._started = threading.Event()  # set once __init__ is done: reloads wait for it
        with paused_gc(freeze=True):  # the corpus lives as long as the service: out of the collector's way
            corpus = load_corpus(corpus_dir)
        if not corpus.documents:
            # Serving nothing would answer "no passage matches" to every question.
            first = f": {corpus.problems[0]}" if corpus.problems else ""
            raise EmptyCorpus(f"No servable document in the corpus directory {corpus_dir}{first}")
        with paused_gc(freeze=True):  # the snapshot's objects, as the corpus's: no collector pass meanwhile
            self._snapshot = Snapshot.build(corpus, self._index_damaged)
        self._stats = AnswerStats()
        # Reload generations: builds started and finished, and the last report. A plain
        # reload shares a build already running, so two /reload at once build once; a
        # reload after a write needs a build that started after the write.
        self._reload_cond = threading.Condition()
        self._builds_started = 0
        self._builds_finished = 0
        self._building = False
        self._last_report: ReloadReport | None = None
        # Serialises corpus edits (upload, replace, remove) with their reload, so each
        # edit is checked against a snapshot that holds every earlier edit.
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        # Writes the parse cache after a reload (see _rebuild); its thread starts with the first.
        self._saves = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse-cache")
        for problem in self._snapshot.corpus.problems:
            logger.warning("corpus: %s", problem)
        logger.info(
            "serving %d documents, %d passages from %s",
            len(self._snapshot.corpus.documents),
            len(self._snapshot.passages),
            corpus_dir,
        )
        self._started.set()
        if "bot.corpus.structure" not in sys.modules:
            # Every file came from the parse cache: the first reload or upload would import
            # the parser (0.1 s). A while after the start, off the path of the first answers;
            # a daemon, so a command that asked one question does not wait for it.
            warm = threading.Timer(PARSER_AFTER, import_parser)
            warm.daemon = True
            warm.start()

    def _index_damaged(self, directory: Path, why: str) -> None:
        """The saved index served turned out damaged (and was removed): build it again, aside."""
        def rebuild() -> None:
            self._started.wait()
            logger.warning("rebuilding the index: the saved one in %s was damaged (%s)", directory, why)
            self._reload(fresh=True)

        threading.Thread(target=rebuild, name="index-rebuild", daemon=True).start()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @_timed
    def ask(self, question: str, top: int = DEFAULT_TOP, offset: int = 0) -> Answer:
        """The best ``top`` passages for ``question`` after skipping ``offset`` of them.

        ``question`` is the user's raw text: ``year:``/``ref:`` filters, procedure
        references, dates and quoted phrases in it are understood (see bot.search.query).
        """
        question = without_lone_surrogates(question)  # echoed in the reply: never unencodable
        query = understand(question)
        snap = self._snapshot
        budget = Budget()
        try:
            ranking = rank_passages(
                query, snap.index, snap.passages, snap.layout, offset + top, budget, context=snap.context
            )
        except QueryError as exc:
            raise BadQuestion(str(exc)) from None
        hits = tuple(
            Hit(n, float(score), snap.passages[pid], snap.documents[snap.passages[pid].document])
            for n, (pid, score) in enumerate(zip(ranking.ids, ranking.scores, strict=True), start=1)
            if n > offset
        )
        note = language_note(question, snap.languages)
        empty = None
        if not ranking.total and not ranking.unmatched and (query.periods or query.references):
            empty = self._emptied_by_filters(query, budget)
        return Answer(
            question.strip(), hits, ranking.total, offset, query, ranking.complete, ranking.unmatched, note,
            stopped_early=budget.exhausted, empty_reason=empty,
            read_as=tuple(s.describe() for s in ranking.stand_ins), did_you_mean=ranking.suggested,
        )

    def _emptied_by_filters(self, query: Query, budget: Budget) -> str | None:
        """"nothing adopted in 2016 mentions journalists" when the date or reference filters left
        nothing of what the words alone find; None otherwise."""
        snap = self._snapshot
        unfiltered = dataclasses.replace(query, periods=(), references=())
        try:
            found = rank_passages(unfiltered, snap.index, snap.passages, snap.layout, 1, budget, snap.context)
        except QueryError:  # only filters and common words: the words alone find nothing either
            return None
        if not found.total:
            return None
        scope = [f"with reference {r}" for r in query.references] + [f"adopted {p.label}" for p in query.periods]
        typed = " ".join(dict.fromkeys(as_written(query.text, w) for w, _ in query.topic_words))
        return f"nothing {' and '.join(scope)} mentions {typed}"

    @_timed
    def timeline(self, topic: str, offset: int = 0, limit: int | None = None) -> Timeline:
        """What the Parliament said on ``topic`` across its resolutions, oldest first.

        One entry per resolution with its best passage; filters in ``topic`` apply. Only
        the entries from ``offset`` on, at most ``limit`` (default: all), are built; the
        timeline's ``count`` is the total. Raises BadQuestion (a message for the user)
        for an empty or too vague topic.
        """
        # Imported on first use: a command that only asks (``ask``) starts without them.
        from bot.answers.timeline import build_timeline

        topic = without_lone_surrogates(topic)
        query = understand(topic)
        snap = self._snapshot
        budget = Budget()
        try:
            timeline = build_timeline(
                query, snap.index, snap.passages, snap.documents, snap.layout, offset, limit, budget, snap.context
            )
        except QueryError as exc:
            raise BadQuestion(str(exc)) from None
        # The notes of an answer to the same words (see ``notes``).
        return replace(timeline, language_note=language_note(topic, snap.languages), stopped_early=budget.exhausted)

    @_timed
    def quote(self, text: str) -> QuoteResult:
        """Whether ``text`` stands in the corpus verbatim, with cuts, nearly, or not at all.

        Raises bot.answers.quote.BadQuote (a message for the user) for an empty, over-long or
        wordless quote.
        """
        from bot.answers.quote import check_quote  # on first use, as build_timeline

        snap = self._snapshot  # one snapshot throughout, even if a reload swaps it meanwhile
        return check_quote(without_lone_surrogates(text), snap.passages, snap.documents, snap.index)

    def sources(self) -> list[Resolution]:
        """Every resolution in the corpus, oldest first, with the documents behind it."""
        return list(self._snapshot.resolutions)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._snapshot.corpus.problems

    def wait_saved(self, timeout: float | None = None) -> bool:
        """Wait until the parse cache's updates queued by reloads are written; False on timeout.

        A reload serves the new corpus first and writes the cache after (see ``_rebuild``):
        a process about to exit, or a test reading the cache, waits for it here.
        """
        try:
            self._saves.submit(lambda: None).result(timeout)
        except FutureTimeout:
            return False
        except RuntimeError:  # shut down: nothing more is queued
            return True
        return True

    def reload(self) -> ReloadReport:
        """Re-read the corpus directory and swap the new index in, atomically.

        Answers keep using the old snapshot until the single assignment in ``_rebuild``.
        When nothing loadable remains, the old snapshot stays and the report says so. A
        reload requested while one runs shares it.
        """
        return self._reload(fresh=False)

    def _reload(self, fresh: bool) -> ReloadReport:
        """Reload; ``fresh`` demands a build that starts after this call (after a write)."""
        with self._reload_cond:
            wanted = self._builds_started + (0 if self._building and not fresh else 1)
            while True:
                if self._builds_finished >= wanted and self._last_report is not None:
                    return self._last_report
                if not self._building:
                    break
                self._reload_cond.wait()
            self._building = True
            self._builds_started += 1
            generation = self._builds_started
        report: ReloadReport | None = None
        try:
            with _short_turns():
                report = self._rebuild()
            return report
        finally:
            with self._reload_cond:
                self._building = False
                if report is not None:  # a failed build leaves waiters to build again
                    self._builds_finished = generation
                    self._last_report = report
                self._reload_cond.notify_all()

    def _rebuild(self) -> ReloadReport:
        started = time.perf_counter()
        old = self._snapshot
        # The parse cache's update is written once the new snapshot is served, in the
        # background: rewriting a shard (20 MB at 10^6 passages) need not delay the answers.
        saves: list[Callable[[], None]] = []
        with paused_gc(freeze=True):
            corpus = load_corpus(self.corpus_dir, reuse=old.corpus, save=saves.append)  # unchanged files from memory
        for problem in corpus.problems:
            logger.warning("corpus: %s", problem)
        kept_old = not corpus.documents
        try:
            with paused_gc(freeze=True):
                new = old if kept_old else Snapshot.build(corpus, self._index_damaged, previous=old)
        except (ValueError, MemoryError) as exc:
            # Whatever one file does to the index, the bot keeps answering from the old one.
            logger.error("reload: the new index cannot be built (%s): old corpus kept", exc)
            problem = Problem(str(self.corpus_dir), None, f"the index cannot be built: {exc}; old corpus kept")
            corpus = Corpus(corpus.directory, old.corpus.documents, (*corpus.problems, problem))  # nothing changed
            new, kept_old = old, True
        if not kept_old:
            self._snapshot = new  # the atomic swap
            # The old passages' words would otherwise outlive them; the module is loaded by
            # the first quote check, so a process that checked none has no cache to clear.
            quote_words = sys.modules.get("bot.answers.quote_words")
            if quote_words is not None:
                quote_words.clear_word_cache()
        for save in saves:
            self._saves.submit(_logged, save)  # one at a time, in order: the last reload's is written last
        before = {d.name: d.digest for d in old.corpus.documents}
        after = {d.name: d.digest for d in corpus.documents}
        report = ReloadReport(
            added=tuple(sorted(after.keys() - before.keys())),
            removed=tuple(sorted(before.keys() - after.keys())),
            changed=tuple(sorted(n for n in before.keys() & after.keys() if before[n] != after[n])),
            documents_before=len(before),
            documents_after=len(new.corpus.documents),
            passages_before=len(old.passages),
            passages_after=len(new.passages),
            seconds=time.perf_counter() - started,
            problems=corpus.problems,
            kept_old=kept_old,
        )
        logger.info(
            "reload: %d -> %d passages in %.2fs%s",
            report.passages_before, report.passages_after, report.seconds,
            " (nothing loadable: old corpus kept)" if kept_old else "",
        )
        return report

    def add_document(self, requested_name: str, data: bytes, overwrite: bool = False) -> UploadResult:
        """Validate an uploaded file, write it into the corpus, and reload.

        Raises CorpusError (the file is not servable), store.StoreError (bad name) or
        NeedsConfirmation (a file of that name exists and ``overwrite`` is false).
        Nothing is written unless the file is valid.
        """
        name = store.safe_name(requested_name)
        document, _ = parse_document(name, data)
        _check_indexable(document)  # before it is written: a file that cannot be indexed is never saved
        with self._write_lock:
            self._check_dates_agree(document)
            if found := duplicates_of(document, self._snapshot.corpus.documents):
                # As import refuses it: one text under two names would show each unit twice.
                other, why = found[0]
                raise CorpusError(Problem(
                    name, None, f"the corpus holds this text already as {other} ({why}): send it as {other} "
                    "to replace that file, or remove it first"))
            try:
                store.write_atomically(self.corpus_dir, name, data, overwrite)
            except FileExistsError:
                raise NeedsConfirmation(name) from None
            replaced = overwrite and name in self._snapshot.documents
            return UploadResult(name, replaced, len(document.passages), self._reload(fresh=True))

    def import_document(self, prepared: Prepared, force: bool = False) -> UploadResult:
        """Write a text prepared by bot.corpus.importer (``prepare``, ``prepare_bytes``) and reload.

        The duplicate check runs against the corpus being served, under the write lock.
        Raises importer.ImportRefused: a text that cannot be indexed, a duplicate without
        ``force`` (with it, the old file goes to ``.trash/``), a date that contradicts the
        corpus, or a failed write.
        """
        from bot.corpus import importer  # its HTML/DOCX/PDF libraries load only when importing

        try:
            _check_indexable(prepared.document)  # as for uploads: never write what cannot be indexed
        except CorpusError as exc:
            raise importer.ImportRefused(prepared.source, exc.problem.combined) from None
        with self._write_lock:
            corpus = importer.CorpusIndex.of(self.corpus_dir, self._snapshot.corpus.documents)
            written = importer.write(prepared, corpus, force=force)
            passages = len(prepared.document.passages)
            return UploadResult(written.path.name, bool(written.replaced), passages, self._reload(fresh=True))

    def import_duplicates(self, prepared: Prepared) -> list[tuple[str, str]]:
        """The files ``prepared`` would replace, with why (same text number, reference and kind, name)."""
        from bot.corpus import importer

        return importer.CorpusIndex.of(self.corpus_dir, self._snapshot.corpus.documents).duplicates(prepared)

    @property
    def syncing(self) -> bool:
        """Whether a sync is running now."""
        return self._sync_lock.locked()

    def sync(self, source: SyncSource) -> SyncDone:
        """Import the texts adopted since the last sync (bot.corpus.sync), then reload if any was written.

        Raises SyncRunning when one runs already. Corpus edits (uploads, /import) wait
        for it under the write lock, so each is checked against every text it wrote;
        questions go on with the old snapshot until the reload swaps the new one in.
        """
        from bot.corpus import importer, sync

        if not self._sync_lock.acquire(blocking=False):
            raise SyncRunning("a sync is running already")
        try:
            with self._write_lock:
                before = sync.read_state(self.corpus_dir)
                corpus = importer.CorpusIndex.of(self.corpus_dir, self._snapshot.corpus.documents)
                report = sync.run_sync(corpus, source)
                reload = self._reload(fresh=True) if report.imported else None
            return SyncDone(report, reload, sync.newly_refused(report, before))
        finally:
            self._sync_lock.release()

    def remove_document(self, name: str) -> ReloadReport:
        """Move a corpus file to the trash and reload."""
        with self._write_lock:
            store.remove(self.corpus_dir, name)
            return self._reload(fresh=True)

    def corpus_file(self, name: str) -> str:
        """The exact name of a file in the corpus directory, served or skipped as bad.

        Raises store.StoreError when there is none: the name is matched against the
        directory's listing, never joined to a path, so it cannot reach outside.
        """
        return store.existing_file(self.corpus_dir, name).name

    def documents(self) -> tuple[Document, ...]:
        """The documents being served, in file-name order."""
        return self._snapshot.corpus.documents

    def stats(self) -> ServiceStats:
        snap = self._snapshot
        answers = self._stats.report()
        return ServiceStats(answers.uptime_s, len(snap.corpus.documents), len(snap.passages), answers)

    def _check_dates_agree(self, document: Document) -> None:
        conflict = date_conflict(document, self._snapshot.corpus.documents)
        if conflict:
            raise CorpusError(Problem(document.name, None, conflict))

def _check_indexable(document: Document) -> None:
    """Build the index of ``document`` alone; CorpusError naming the file when that fails."""
    try:
        Bm25Index.build([tokenize(p.searchable) for p in document.passages])
    except (ValueError, MemoryError) as exc:
        raise CorpusError(Problem(document.name, None, f"cannot be indexed: {exc}")) from None


def understand(question: str) -> Query:
    """The question's filters and words, or BadQuestion with a message for the user."""
    validate_question(question)
    try:
        return parse_query(question)
    except QueryError as exc:
        raise BadQuestion(str(exc)) from None


def validate_question(question: str) -> list[str]:
    """Search tokens of a question, or BadQuestion with a message for the user."""
    _, tokens = check_text(question, _QUESTION_MESSAGES, BadQuestion)
    return tokens
