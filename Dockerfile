# studybot: one process, its SQLite database on a volume, running as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STUDYBOT_DB=/data/studybot.db \
    STUDYBOT_PLATFORM=discord

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY content ./content
COPY launcher ./launcher
RUN pip install --no-cache-dir . \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin studybot \
 && mkdir -p /data && chown studybot /data

USER studybot
VOLUME ["/data"]
# STUDYBOT_PLATFORM picks console, discord or slack; tokens come from the environment at run time.
# `studybot run` never creates the database: on a new, empty volume create it once with
#   docker run --rm -v studybot-data:/data IMAGE studybot db init
# so that a volume that failed to mount (or a lost file) stops the bot instead of starting it empty.
CMD ["studybot", "run"]
