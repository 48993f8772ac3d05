"""The console adapter: a whole study group driven by text, one line at a time.

`@NAME rest` runs the rest as that user; `:advance DURATION` moves the simulated clock and runs the
jobs that fall due. Everything the bot sends on its own is printed when delivered, as a block whose
first line is `>> #CHANNEL` or `>> @NAME`; a reply in a thread (the check-in digest's answers) follows
its message as `>> #CHANNEL (thread)`, indented, and an edit of a message shown earlier (a counter on
the daily post) as `>> #CHANNEL (edited)`. When input is piped, each line is echoed as `> LINE`.

Times are shown in the reader's own zone (adapters/console/render.py): a reply in the zone of whoever
typed the command, a DM in its recipient's, a channel post in the console user's (`--user`). Images
are saved in `charts/` and files sent with a reply (a CSV export) in `files/`, both beside the
database, and the path is printed.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.padding import Padding

from adapters.console import render
from adapters.console.render import Reader
from bot.api import CoreApi
from bot.commands.dispatch import Silence
from bot.domain.model import Caller
from bot.domain.timeutil import parse_duration
from bot.ports import DeliveryError, OutboxMessage
from bot.reply import Attachment, Image, Reply
from bot.text import Stamp, visible

PLATFORM = "console"
SHOWN_MAX = 1000  # messages whose printed lines are kept, so an edit prints only what it changes


class ConsoleMessenger:
    """Delivers outbox messages by printing them (and saving images and files next to the database).

    Each message's ref (what a platform returns for it) is its key; an edit (`edit_of`) is printed as
    a block marked `(edited)` holding the lines that changed since the message was last shown (the whole
    message when it was shown before this process started), and returns its target's ref, as a
    platform's edit does: thirty solves print thirty counter lines, not thirty copies of the post. A platform
    event or a role change (Discord's) is one short line, and returns None.

    With a deliveries file it also behaves like a platform that deduplicates by idempotency key
    (Discord's nonce): the key is recorded, durably, before the message is shown, and a key already
    recorded is accepted without being shown again. The crash tests read that file.
    """

    platform = PLATFORM
    display_name = "the console"

    def __init__(self, adapter: ConsoleAdapter, deliveries: str | None = None):
        self.adapter = adapter
        self.deliveries = Path(deliveries) if deliveries else None
        self.seen: set[str] = set()
        self.shown: OrderedDict[str, list[str]] = OrderedDict()  # ref -> the lines last printed for it
        if self.deliveries is not None and self.deliveries.exists():
            self.seen = {line.split("\t", 1)[0] for line in self.deliveries.read_text().splitlines() if line}

    async def deliver(self, message: OutboxMessage, channel_ref: str | None, user_ref: str | None) -> str | None:
        header = f">> #{channel_ref}" if channel_ref is not None else f">> @{user_ref}"
        # A channel post is read by the console's own user; a DM by its recipient.
        reader = await self.adapter.reader(user_ref if channel_ref is None else self.adapter.user)
        reply = message.reply
        ref: str | None = message.key
        # The whole block is rendered, and checked against the terminal's encoding, before anything is
        # recorded or shown: a message the console cannot show is refused whole (and given up by the
        # deliverer), never printed in part and never retried for ever.
        try:
            if reply.event is not None or reply.roles is not None:
                # Things only Discord has: one line says what would happen there; there is nothing to edit.
                block, ref = f"{header} {self._platform_only(reply, reader)}", None
            else:
                if message.thread_of is not None:
                    header += " (thread)"  # a terminal has no threads: the reply is marked and indented
                if message.edit_of is not None:
                    header += " (edited)"  # a terminal cannot change what it printed: the new version follows
                    ref = message.target
                block = self._block(header, reply, reader, indent=2 if message.thread_of is not None else 0)
                block = self._changes(block, message.target if message.edit_of is not None else ref,
                                      edited=message.edit_of is not None)
        except Exception as exc:
            raise DeliveryError(f"could not render: {type(exc).__name__}: {exc}", permanent=True,
                                kind="render") from exc
        if self.deliveries is not None:
            if message.key in self.seen:
                return ref
            with self.deliveries.open("a") as fh:
                fh.write(f"{message.key}\t{header[3:]}\n")
                fh.flush()
                os.fsync(fh.fileno())
            self.seen.add(message.key)
        self.adapter.write(block)
        if ref is not None:  # an event or a role change has no chart or file to save
            self.adapter.save_files(reply)  # the text is out: a file that cannot be saved is said, not sent again
        return ref

    def _changes(self, block: str, ref: str | None, edited: bool) -> str:
        """Remember what was printed for `ref`; for an edit, keep only the lines it changes."""
        header, _, body = block.partition("\n")
        lines = body.splitlines()
        before = self.shown.pop(ref, None) if ref is not None else None
        if ref is not None:
            self.shown[ref] = lines
            while len(self.shown) > SHOWN_MAX:
                self.shown.popitem(last=False)
        if not edited or before is None:
            return block
        old = set(before)
        changed = [line for line in lines if line not in old]
        return "\n".join([header, *changed]) if changed else f"{header} (nothing that shows changed)"

    @staticmethod
    def _platform_only(reply: Reply, reader: Reader) -> str:
        if reply.event is not None:
            event = reply.event
            if event.cancelled:
                return f"(event cancelled: {visible(event.name)})"
            start = render.local_text(Stamp.at(event.start), reader)
            return f"(event: {visible(event.name)}, {start})"
        roles = reply.roles.roles if reply.roles is not None else ()
        return f"(roles: {', '.join(visible(r) for r in roles) or 'none'})"

    def _block(self, header: str, reply: Reply, reader: Reader, indent: int) -> str:
        adapter = self.adapter
        if adapter.interactive:
            with adapter.console.capture() as captured:
                adapter.console.print(Padding(render.rich(reply, reader), (0, 0, 0, indent)))
            body = captured.get().rstrip("\n")
        else:
            body = textwrap.indent(render.plain(reply, reader), " " * indent)
        block = f"{header}\n{body}"
        encoding = getattr(adapter.out, "encoding", None)
        if encoding:
            block.encode(encoding)  # UnicodeEncodeError: this terminal cannot show the message
        return block


class ConsoleAdapter:
    def __init__(self, app: CoreApi, *, user: str = "me", channel: str = "study", out: TextIO | None = None,
                 interactive: bool | None = None, image_dir: str | None = None, deliveries: str | None = None,
                 files_dir: str | None = None):
        self.app = app
        self.user = user
        self.channel = channel
        self.out = out or sys.stdout
        self.interactive = self.out.isatty() if interactive is None else interactive
        self.console = Console(file=self.out, force_terminal=self.interactive, highlight=False,
                               width=None if self.interactive else 200)
        beside_db = Path(app.settings.db_path).resolve().parent
        self.image_dir = Path(image_dir or beside_db / "charts")
        self.files_dir = Path(files_dir or beside_db / "files")
        self.messenger = ConsoleMessenger(self, deliveries)
        app.use_messenger(self.messenger)

    # -- output ---------------------------------------------------------------------------------
    def write(self, text: str) -> None:
        encoding = getattr(self.out, "encoding", None)
        if encoding:  # a reply to a command is shown on any terminal, with what it cannot show as '?'
            text = text.encode(encoding, errors="replace").decode(encoding)
        self.out.write(text + "\n")
        self.out.flush()

    async def reader(self, name: str | None) -> Reader:
        """How `name` reads times: their profile's timezone (UTC for someone the bot does not know), and
        the app's clock, simulated or not, for relative times."""
        zone = await self.app.reader_zone(PLATFORM, name) if name else None
        return Reader.of(zone, self.app.clock.now())

    def show(self, reply: Reply, indent: int = 0, reader: Reader = render.UTC_READER) -> None:
        if isinstance(reply, Silence):  # over the rate limit: nothing is printed
            return
        if self.interactive:
            self.console.print(Padding(render.rich(reply, reader), (0, 0, 0, indent)))
        else:
            self.write(textwrap.indent(render.plain(reply, reader), " " * indent))
        self.save_files(reply)

    def save_files(self, reply: Reply) -> None:
        """Save the reply's chart (in charts/) and files (in files/) and print where each went; one that
        cannot be saved is said in a line, and the others are still saved."""
        saves: list[tuple[Path, Image | Attachment]] = []
        if reply.image is not None:
            saves.append((self.image_dir, reply.image))
        saves.extend((self.files_dir, f) for f in reply.files)
        for folder, item in saves:
            # The core names its files; the name is still kept to one plain name inside the folder.
            name = visible(Path(item.filename).name) or "file"
            path = folder / name
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_bytes(item.data)
            except OSError as exc:
                self.write(f"(could not save {name}: {exc.strerror or exc})")
                continue
            self.write(f"(saved {path}, {len(item.data)} bytes)")

    # -- input ----------------------------------------------------------------------------------
    async def caller(self, name: str) -> Caller:
        # The console is its own platform, and whoever runs it (`--user`, `me` by default) administers it,
        # as a server's owner would. A channel with no group yet may be set up by anyone (the terminal's
        # owner typed that line too), but that grants nothing once the group exists: other users are
        # organisers only by `group organisers add`.
        admin = name == self.user or not await self.app.channel_has_group(PLATFORM, self.channel)
        return Caller(platform=PLATFORM, user=name, channel=self.channel, name=name, space="console",
                      platform_admin=admin, forms=self.interactive)

    async def handle_line(self, line: str, ask=None) -> None:
        text = line.strip()
        if not text or text.startswith("#"):
            return
        if text.startswith(":"):
            await self._directive(text)
            return
        name = self.user
        if text.startswith("@"):
            head, _, rest = text.partition(" ")
            name, text = head[1:], rest.strip()
            if not name or not text:
                self.write("usage: @NAME COMMAND (run a command as another user)")
                return
        reply = await self.app.handle_text(await self.caller(name), text)
        if reply.form is not None and ask is not None:
            answers = dict(reply.form.given)
            for f in reply.form.fields:
                value = await ask(f"{f.label}: ")
                if value.strip():
                    answers[f.param] = value.strip()
            path = tuple(reply.form.command.split())
            reply = await self.app.handle(await self.caller(name), path, answers)
        if not isinstance(reply, Silence):  # over the rate limit: nothing is printed
            # Read after the command: `profile timezone ...` answers in the zone it just set.
            self.show(reply, reader=await self.reader(name))
        await self.app.deliver_now()

    async def _directive(self, text: str) -> None:
        word, _, arg = text.partition(" ")
        if word == ":advance":
            if not self.app.clock.simulated:
                self.write(":advance needs the simulated clock (studybot console --clock simulated)")
                return
            try:
                delta = parse_duration(arg)
            except ValueError as exc:
                self.write(f"{exc}\nusage: :advance DURATION (e.g. 1d, 2h30m, 1w)")
                return
            await self.app.advance(delta)
            return
        if word == ":until":
            # Advance to an absolute instant (nothing if already past): a replayed script ends in one place.
            try:
                target = datetime.fromisoformat(arg.strip())
            except ValueError:
                self.write("usage: :until ISO-DATETIME (e.g. 2026-03-02T09:00+00:00)")
                return
            target = target if target.tzinfo else target.replace(tzinfo=UTC)
            if not self.app.clock.simulated:
                self.write(":until needs the simulated clock (studybot console --clock simulated)")
            elif target > self.app.clock.now():
                await self.app.advance(target - self.app.clock.now())
            return
        if word == ":channel":
            name = arg.strip().lstrip("#")
            if not name or " " in name:
                self.write("usage: :channel NAME (later lines talk in #NAME)")
                return
            self.channel = name
            return
        if word == ":now":
            self.write(self.app.clock.now().isoformat())
            return
        self.write(f"Unknown directive '{word}'. Known: :advance DURATION, :channel NAME, :now")

    async def run(self, lines, ask=None) -> None:
        async for line in lines:
            if not self.interactive:
                self.write(f"> {visible(line.rstrip())}")  # what was typed, without terminal escapes
            await self.handle_line(line, ask)
        await self.app.deliver_now()
