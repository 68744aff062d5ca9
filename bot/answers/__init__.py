"""The service and what it answers with: ask, quote, timeline, sources, reload, uploads, evaluation."""
