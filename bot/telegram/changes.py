"""What follows a change of the corpus the bot serves: the one place that reacts to a reload's report."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot.answers.service import ReloadReport

logger = logging.getLogger(__name__)


async def corpus_changed(application: Application, report: ReloadReport) -> None:  # type: ignore[type-arg]
    logger.debug("corpus changed: %d added, %d removed, %d changed", len(report.added), len(report.removed),
                 len(report.changed))
