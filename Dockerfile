# The EP resolutions bot: long polling by default, a webhook when WEBHOOK_URL is set.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The package and its pinned-range dependencies from pyproject.toml; then an unprivileged user.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin bot

# The corpus is baked in; mount a directory over /app/corpus (or set CORPUS_DIR) to replace it.
COPY --chown=10001:10001 corpus ./corpus
ENV CORPUS_DIR=/app/corpus

# What must last across restarts (follows, counters): one SQLite file; mount a volume here.
RUN mkdir /app/data && chown 10001:10001 /app/data
ENV DATA_DIR=/app/data
VOLUME ["/app/data"]

USER 10001:10001

# Only used in webhook mode (WEBHOOK_PORT); behind a TLS-terminating proxy.
EXPOSE 8443

# SIGTERM (docker stop) finishes the answers in flight, then exits.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
