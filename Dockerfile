# studybot: one process, its SQLite database on a volume, running as a non-root user.
FROM python:3.11-slim

# HOME and matplotlib's cache live outside the data volume: /data holds the database and nothing else
# the bot could regrow (its heartbeat for `studybot health` sits beside the database).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/studybot \
    MPLCONFIGDIR=/tmp/matplotlib \
    STUDYBOT_DB=/data/studybot.db \
    STUDYBOT_HISTORY=/home/studybot/.studybot_history \
    STUDYBOT_PLATFORM=discord

WORKDIR /app
# constraints.txt pins every package to the version CI tested: the image is the same on every build.
COPY constraints.txt pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY content ./content
COPY launcher ./launcher
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --system --uid 10001 --create-home --home-dir /home/studybot --shell /usr/sbin/nologin studybot \
 && mkdir -p /data && chown studybot /data

USER studybot
VOLUME ["/data"]
# Slack's HTTP mode listens here (STUDYBOT_SLACK_PORT); Discord and Slack's Socket Mode need no port.
EXPOSE 3000
# Healthy: the database is there and migrated, the bot's heartbeat is fresh, its scheduler serves and
# no message has waited in the outbox over 15 minutes. The first minute of a start is not counted.
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD ["studybot", "health"]
# STUDYBOT_PLATFORM picks console, discord or slack; tokens come from the environment at run time.
# `studybot run` never creates the database: on a new, empty volume create it once with
#   docker run --rm -v studybot-data:/data IMAGE studybot db init
# so that a volume that failed to mount (or a lost file) stops the bot instead of starting it empty.
CMD ["studybot", "run"]
