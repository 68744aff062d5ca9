"""What every command-line command shares: exit codes, JSON output, the default corpus folder."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TextIO

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a tool stopped by SIGPIPE
EXIT_INTERRUPTED = 128 + 2  # Ctrl-C, as a shell reports SIGINT


def dump_json(data: object, out: TextIO) -> None:
    """``data`` as indented JSON, non-ASCII kept as written."""
    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


def default_corpus_dir() -> Path:
    # Imported here so that ``ask --corpus`` works even with a broken .env.
    from bot.config import Settings, SettingsFileError, env_file_problem

    problem = env_file_problem()
    if problem is not None:
        raise SettingsFileError(problem)
    return Settings().corpus_dir


def corpus_to_write(command: str, directory: Path) -> bool:
    """Whether ``command`` may write into the corpus ``directory``; False after saying why on stderr.

    A file is no corpus, and a mistyped path ("--corpus typo/dir") is refused rather than
    made into a new corpus unseen; a missing folder whose parent exists is made later.
    """
    if directory.exists() and not directory.is_dir():
        print(f"{command}: the corpus {directory} is a file, not a folder", file=sys.stderr)
        return False
    if not directory.exists() and not directory.parent.is_dir():
        print(f"{command}: no folder {directory.parent} to make the corpus {directory} in: check the path",
              file=sys.stderr)
        return False
    return True
