"""The console as a platform for the outbox: a message it cannot show is given up whole and holds
nothing behind it, and nothing is printed that the outbox cannot record as sent."""

from __future__ import annotations

import io
import re
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from adapters.console.adapter import ConsoleAdapter
from bot.bootstrap import open_app
from bot.clock import SimulatedClock
from bot.config import Settings
from bot.reply import Reply
from tests.units import each_statement_commits, refuse_writes, units

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


class Terminal:
    """A terminal that takes ASCII only (PYTHONIOENCODING=ascii, an old serial console): real text I/O,
    with the bytes kept for the test to read."""

    def __init__(self) -> None:
        self.raw = io.BytesIO()
        self.out = io.TextIOWrapper(self.raw, encoding="ascii", newline="\n", write_through=True)

    def text(self) -> str:
        return self.raw.getvalue().decode("ascii")


@asynccontextmanager
async def console(tmp_path):
    """The bot on the console platform, printing to an ASCII terminal, with #study set up by `me`. The
    deliveries file is the console's record of what it showed (as the crash tests use it)."""
    terminal = Terminal()
    async with open_app(Settings(db_path=str(tmp_path / "study.db")), SimulatedClock(START)) as app:
        adapter = ConsoleAdapter(app, out=terminal.out, interactive=False, image_dir=str(tmp_path / "charts"),
                                 deliveries=str(tmp_path / "deliveries.tsv"))
        await app.start()
        await adapter.handle_line("group setup timezone Europe/Paris")
        yield app, terminal


async def _enqueue(app, texts: dict[str, str]) -> None:
    channel = await units(app).links.internal("console", "channel", "study")
    group = await units(app).groups.by_channel(channel)
    async with each_statement_commits(app.db):
        for key, text in texts.items():
            await units(app).outbox.enqueue(key, Reply(text=text), app.clock.now(), group_id=group.id,
                                           channel_id=channel)


async def test_one_message_the_console_cannot_show_delays_none_of_the_other_99(tmp_path):
    async with console(tmp_path) as (app, terminal):
        # Post 37 carries a member's words the terminal cannot show (a company called Café). Before, the
        # console printed its header, failed on the text, and retried it for ever: 62 posts waited.
        texts = {f"console:{i}": f"post {i}" for i in range(100)}
        texts["console:37"] = "post 37: ada got an offer from Caf\u00e9 Ltd"
        await _enqueue(app, texts)
        await app.deliverer.drain()  # (each message was also delivered as soon as its unit committed)
        settled = await app.db.scalar("SELECT COUNT(*) FROM outbox WHERE status IN ('delivered', 'undeliverable') "
                                      "AND (key LIKE 'console:%' OR key LIKE 'undeliverable:%')")
        assert settled == 101, "the 100 and the notice, without the clock moving"
        shown = terminal.text()
        assert re.findall(r"^post (\d+)$", shown, re.M) == [str(i) for i in range(100) if i != 37]
        assert "post 37" not in shown, "refused whole, not printed in part"
        poisoned = await units(app).outbox.get("console:37")
        assert poisoned.status == "undeliverable" and "UnicodeEncodeError" in poisoned.last_error
        assert shown.count("A message could not be delivered") == 1
        assert "could not be rendered for the console" in shown and "Caf" not in shown
        rows = await app.db.all("SELECT MAX(attempts) FROM outbox WHERE status='delivered' AND key LIKE 'console:%'")
        assert rows[0][0] == 1, "nothing was retried"
        shown_keys = (tmp_path / "deliveries.tsv").read_text()
        assert "console:36\t" in shown_keys and "console:37\t" not in shown_keys, "never recorded as shown"


async def test_nothing_is_printed_twice_while_the_outbox_cannot_record_it(tmp_path):
    async with console(tmp_path) as (app, terminal):
        await _enqueue(app, {f"console:{i}": f"post {i}" for i in range(5)})
        await refuse_writes(app.db, True)  # a full disk from here on
        for _ in range(100):  # five seconds of passes, 50 ms apart
            await app.deliver_now()
            app.clock.advance(timedelta(milliseconds=50))
        assert re.findall(r"^post (\d+)$", terminal.text(), re.M) == ["0"]
        await refuse_writes(app.db, False)
        app.clock.advance(timedelta(minutes=1))
        await app.deliver_now()
        assert re.findall(r"^post (\d+)$", terminal.text(), re.M) == ["0", "1", "2", "3", "4"]
