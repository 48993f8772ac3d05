"""The repositories over SQLite. Times are stored as UTC ISO-8601 text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from bot.domain.events import MessageEnqueued, ScheduleChanged
from bot.domain.model import Group, Member
from bot.domain.scoring import MemberStats
from bot.domain.selection import Posted, PostHistory
from bot.domain.streaks import SolveResult, StreakMark
from bot.ports import OutboxMessage, Thread
from bot.ports.storage import Lease
from bot.reply import Reply
from bot.storage.accountability_repo import SqliteAccountability
from bot.storage.buttons_repo import SqliteButtons
from bot.storage.db import Database
from bot.storage.hints_repo import SqliteHints
from bot.storage.mock_repo import SqliteMock
from bot.storage.schedule_repo import SqliteSchedule
from bot.text import REMOVED, plain


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class SqliteLinks:
    def __init__(self, db: Database):
        self.db = db

    async def internal(self, platform: str, kind: str, external_id: str) -> int | None:
        return await self.db.scalar(
            "SELECT internal_id FROM links WHERE platform=? AND kind=? AND external_id=?",
            (platform, kind, external_id),
        )

    async def link(self, platform: str, kind: str, external_id: str, internal_id: int) -> None:
        await self.db.write(
            "INSERT OR REPLACE INTO links (platform, kind, external_id, internal_id) VALUES (?,?,?,?)",
            (platform, kind, external_id, internal_id),
        )

    async def external(self, platform: str, kind: str, internal_id: int) -> str | None:
        return await self.db.scalar(
            "SELECT external_id FROM links WHERE kind=? AND internal_id=? AND platform=?",
            (kind, internal_id, platform),
        )

    async def forget(self, kind: str, internal_id: int) -> None:
        await self.db.write("DELETE FROM links WHERE kind=? AND internal_id=?", (kind, internal_id))

    async def keep_dm(self, platform: str, user_id: int, channel_ref: str) -> None:
        """Keep the DM channel a platform opened for a person (read back with their messages by
        `Outbox.claim`). A person deleted meanwhile keeps nothing: the row would outlive them."""
        await self.db.write(
            "INSERT INTO dm_channels (platform, user_id, channel_ref) SELECT ?, id, ? FROM users WHERE id=? "
            "ON CONFLICT (platform, user_id) DO UPDATE SET channel_ref=excluded.channel_ref",
            (platform, channel_ref, user_id),
        )


class SqliteUsers:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, name: str, now: datetime) -> int:
        return await self.db.insert("INSERT INTO users (name, created_at) VALUES (?, ?)", (name, iso(now)))

    async def rename(self, user_id: int, name: str) -> None:
        await self.db.write("UPDATE users SET name=? WHERE id=? AND name<>?", (name, user_id, name))

    async def delete_if_orphan(self, user_id: int) -> bool:
        if await self.db.scalar("SELECT 1 FROM members WHERE user_id=? LIMIT 1", (user_id,)):
            return False
        if await self.db.scalar("SELECT 1 FROM organisers WHERE user_id=? LIMIT 1", (user_id,)):
            return False
        await self.db.write("UPDATE groups SET created_by=NULL WHERE created_by=?", (user_id,))
        await self.db.write("DELETE FROM links WHERE kind='user' AND internal_id=?", (user_id,))
        await self.db.write("DELETE FROM users WHERE id=?", (user_id,))
        return True


class SqliteChannels:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, name: str) -> int:
        return await self.db.insert("INSERT INTO channels (name) VALUES (?)", (name,))

    async def name(self, channel_id: int) -> str | None:
        return await self.db.scalar("SELECT name FROM channels WHERE id=?", (channel_id,))


_GROUP_COLUMNS = (
    "id, channel_id, name, timezone, post_time, pairing_day, pairing_time, roadmap, pace_weeks, paused, "
    "created_at, created_by, space_id, ml_days, meeting_url, discord_events"
)


def _booking(group: Group) -> tuple[str, int]:
    """The mock-booking settings as stored (`group setup meeting-url`, `discord-events`); '' is "no link"."""
    return group.meeting_url or "", int(group.platform_events)


def _group(row) -> Group:
    return Group(
        id=row["id"], channel_id=row["channel_id"], name=row["name"], timezone=row["timezone"],
        post_time=time.fromisoformat(row["post_time"]), pairing_day=row["pairing_day"],
        pairing_time=time.fromisoformat(row["pairing_time"]), roadmap=row["roadmap"], pace_weeks=row["pace_weeks"],
        paused=bool(row["paused"]), created_at=from_iso(row["created_at"]), created_by=row["created_by"],
        space_id=row["space_id"], ml_days=tuple(d for d in row["ml_days"].split(",") if d),
        meeting_url=row["meeting_url"] or None, platform_events=bool(row["discord_events"]),
    )


class SqliteGroups:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, group_id: int) -> Group | None:
        row = await self.db.one(f"SELECT {_GROUP_COLUMNS} FROM groups WHERE id=?", (group_id,))
        return _group(row) if row else None

    async def by_channel(self, channel_id: int) -> Group | None:
        row = await self.db.one(f"SELECT {_GROUP_COLUMNS} FROM groups WHERE channel_id=?", (channel_id,))
        return _group(row) if row else None

    async def for_caller(self, platform: str, user_ref: str, channel_ref: str):
        """Everything a command starts from, in one query: our ids for the user and the channel,
        the channel's group, the user's membership in it and organiser rights."""
        row = await self.db.one(_FOR_CALLER, (platform, user_ref, platform, channel_ref))
        group = _group(row) if row["id"] is not None else None
        member = _member(row, "m_") if row["m_id"] is not None else None
        return row["uid"], row["cid"], group, member, bool(row["organiser"])

    async def with_member(self, channel_id: int, user_id: int) -> tuple[Group | None, Member | None, bool]:
        """The channel's group, the user's membership in it, and organiser rights, in one round trip."""
        row = await self.db.one(
            f"SELECT {_GROUP_SELECT}, {_MEMBER_SELECT}, "
            "EXISTS (SELECT 1 FROM organisers o WHERE o.group_id = g.id AND o.user_id = ?) AS organiser "
            "FROM groups g LEFT JOIN members m ON m.group_id = g.id AND m.user_id = ? WHERE g.channel_id = ?",
            (user_id, user_id, channel_id),
        )
        if row is None:
            return None, None, False
        member = None
        if row["m_id"] is not None:
            member = _member(row, "m_")
        return _group(row), member, bool(row["organiser"])

    async def add(self, group: Group) -> Group:
        group.id = await self.db.insert(
            "INSERT INTO groups (channel_id, space_id, name, timezone, post_time, pairing_day, pairing_time, "
            "roadmap, pace_weeks, paused, created_at, created_by, ml_days, meeting_url, discord_events, stats_built) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)",  # a new group has no solves to build stats from
            (group.channel_id, group.space_id, group.name, group.timezone, group.post_time.strftime("%H:%M"),
             group.pairing_day, group.pairing_time.strftime("%H:%M"), group.roadmap, group.pace_weeks,
             int(group.paused), iso(group.created_at), group.created_by, ",".join(group.ml_days),
             *_booking(group)),
        )
        self.db.record(ScheduleChanged("group", group.id))
        return group

    async def save(self, group: Group) -> None:
        # Only a pause or a resume moves the members' check-in prompts (they are planned in running
        # groups alone), so only a flip says so, as a change of the group's check-in schedule: any other
        # change of a group re-plans the group's own jobs and no member's.
        flipped = await self.db.execute("UPDATE groups SET paused=? WHERE id=? AND paused<>?",
                                        (int(group.paused), group.id, int(group.paused)))
        await self.db.write(
            "UPDATE groups SET name=?, timezone=?, post_time=?, pairing_day=?, pairing_time=?, roadmap=?, "
            "pace_weeks=?, ml_days=?, meeting_url=?, discord_events=? WHERE id=?",
            (group.name, group.timezone, group.post_time.strftime("%H:%M"), group.pairing_day,
             group.pairing_time.strftime("%H:%M"), group.roadmap, group.pace_weeks,
             ",".join(group.ml_days), *_booking(group), group.id),
        )
        self.db.record(ScheduleChanged("group", group.id))
        if flipped:
            self.db.record(ScheduleChanged("checkins", group.id))

    async def all(self) -> list[Group]:
        return [_group(r) for r in await self.db.all(f"SELECT {_GROUP_COLUMNS} FROM groups ORDER BY id")]

    async def ids_after(self, after: int, limit: int) -> list[int]:
        """Group ids greater than `after`, ascending, at most `limit`: the schedule plans a kind for every
        group a page at a time (bot/scheduling/planner.py, `subjects`)."""
        rows = await self.db.all("SELECT id FROM groups WHERE id>? ORDER BY id LIMIT ?", (after, limit))
        return [r[0] for r in rows]

    async def add_organiser(self, group_id: int, user_id: int, granted_by: int | None, now: datetime) -> bool:
        """An explicit grant (`group organisers add`); False when the person already had one."""
        return await self.db.execute(
            "INSERT OR IGNORE INTO organisers (group_id, user_id, granted_by, granted_at) VALUES (?, ?, ?, ?)",
            (group_id, user_id, granted_by, iso(now)),
        ) > 0

    async def remove_organiser(self, group_id: int, user_id: int) -> bool:
        return await self.db.execute(
            "DELETE FROM organisers WHERE group_id=? AND user_id=?", (group_id, user_id)) > 0

    async def organisers(self, group_id: int) -> list[tuple[int, str, datetime]]:
        """(user id, name in this group, granted at) of each explicit grant, oldest first."""
        rows = await self.db.all(
            "SELECT o.user_id, COALESCE(m.name, u.name), o.granted_at FROM organisers o "
            "JOIN users u ON u.id = o.user_id LEFT JOIN members m ON m.group_id = o.group_id AND m.user_id = o.user_id "
            "WHERE o.group_id=? ORDER BY o.granted_at, o.user_id", (group_id,),
        )
        return [(r[0], r[1], from_iso(r[2])) for r in rows]

    async def is_organiser(self, group_id: int, user_id: int) -> bool:
        return bool(await self.db.scalar(
            "SELECT 1 FROM organisers WHERE group_id=? AND user_id=?", (group_id, user_id)
        ))


_MEMBER_COLUMNS = "id, group_id, user_id, name, timezone, target, level, active, joined_at"
_MEMBER_SELECT = ", ".join(f"m.{c} AS m_{c}" for c in _MEMBER_COLUMNS.split(", "))
_GROUP_SELECT = ", ".join(f"g.{c}" for c in _GROUP_COLUMNS.split(", "))
_FOR_CALLER = (
    "WITH ids AS (SELECT "
    "(SELECT internal_id FROM links WHERE platform=? AND kind='user' AND external_id=?) AS uid, "
    "(SELECT internal_id FROM links WHERE platform=? AND kind='channel' AND external_id=?) AS cid) "
    f"SELECT ids.uid, ids.cid, {_GROUP_SELECT}, {_MEMBER_SELECT}, "
    "EXISTS (SELECT 1 FROM organisers o WHERE o.group_id = g.id AND o.user_id = ids.uid) AS organiser "
    "FROM ids LEFT JOIN groups g ON g.channel_id = ids.cid LEFT JOIN members m ON m.group_id = g.id AND m.user_id = ids.uid"
)


def _member(row, prefix: str = "") -> Member:
    return Member(
        id=row[prefix + "id"], group_id=row[prefix + "group_id"], user_id=row[prefix + "user_id"],
        name=row[prefix + "name"], timezone=row[prefix + "timezone"], target=row[prefix + "target"],
        level=row[prefix + "level"], active=bool(row[prefix + "active"]), joined_at=from_iso(row[prefix + "joined_at"]),
    )


class SqliteMembers:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, member_id: int) -> Member | None:
        row = await self.db.one(f"SELECT {_MEMBER_COLUMNS} FROM members WHERE id=?", (member_id,))
        return _member(row) if row else None

    async def of_user(self, group_id: int, user_id: int) -> Member | None:
        row = await self.db.one(
            f"SELECT {_MEMBER_COLUMNS} FROM members WHERE group_id=? AND user_id=?", (group_id, user_id)
        )
        return _member(row) if row else None

    async def zone_of_user(self, user_id: int) -> str | None:
        """The timezone of the person's latest membership, for showing them times."""
        return await self.db.scalar(
            "SELECT timezone FROM members WHERE user_id=? ORDER BY active DESC, id DESC LIMIT 1", (user_id,))

    async def by_name(self, group_id: int, name: str) -> Member | None:
        row = await self.db.one(
            f"SELECT {_MEMBER_COLUMNS} FROM members WHERE group_id=? AND name=? COLLATE NOCASE AND active=1",
            (group_id, name.lstrip("@")),
        )
        return _member(row) if row else None

    async def named(self, group_id: int, name: str) -> list[Member]:
        """Every active member of the group with this display name (any case), oldest first: names are
        not unique, so the caller decides what to do with two."""
        rows = await self.db.all(
            f"SELECT {_MEMBER_COLUMNS} FROM members WHERE group_id=? AND name=? COLLATE NOCASE AND active=1 "
            "ORDER BY id", (group_id, name.lstrip("@")),
        )
        return [_member(r) for r in rows]

    async def add(self, member: Member) -> Member:
        member.id = await self.db.insert(
            "INSERT INTO members (group_id, user_id, name, timezone, target, level, active, joined_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (member.group_id, member.user_id, member.name, member.timezone, member.target, member.level,
             int(member.active), iso(member.joined_at)),
        )
        self.db.record(ScheduleChanged("member", member.id))
        return member

    async def save(self, member: Member) -> None:
        await self.db.write(
            "UPDATE members SET name=?, timezone=?, target=?, level=?, active=? WHERE id=?",
            (member.name, member.timezone, member.target, member.level, int(member.active), member.id),
        )
        self.db.record(ScheduleChanged("member", member.id))

    async def delete(self, member_id: int) -> None:
        await self.db.write("DELETE FROM members WHERE id=?", (member_id,))
        self.db.record(ScheduleChanged("member", member_id))

    async def active(self, group_id: int) -> list[Member]:
        rows = await self.db.all(
            f"SELECT {_MEMBER_COLUMNS} FROM members WHERE group_id=? AND active=1 ORDER BY id", (group_id,)
        )
        return [_member(r) for r in rows]

    async def active_ids(self, group_id: int) -> list[int]:
        """The group's active members, by id alone: whose check-in prompts a change of the group's
        check-in schedule moves (bounded by one group)."""
        rows = await self.db.all("SELECT id FROM members WHERE group_id=? AND active=1 ORDER BY id", (group_id,))
        return [r[0] for r in rows]

    async def active_ids_after(self, after: int, limit: int) -> list[int]:
        """Active member ids greater than `after`, of every group, ascending, at most `limit` (a page of
        the schedule's planning of every member's prompts)."""
        rows = await self.db.all("SELECT id FROM members WHERE id>? AND active=1 ORDER BY id LIMIT ?",
                                 (after, limit))
        return [r[0] for r in rows]

    async def count_active(self, group_id: int) -> int:
        return await self.db.scalar("SELECT COUNT(*) FROM members WHERE group_id=? AND active=1", (group_id,))

    async def names(self, group_id: int) -> list[str]:
        rows = await self.db.all("SELECT name FROM members WHERE group_id=? AND active=1 ORDER BY name", (group_id,))
        return [r[0] for r in rows]


class SqliteMilestones:
    def __init__(self, db: Database):
        self.db = db

    async def done(self, member_id: int) -> dict[str, datetime]:
        rows = await self.db.all("SELECT milestone, done_at FROM milestones_done WHERE member_id=?", (member_id,))
        return {r[0]: from_iso(r[1]) for r in rows}

    async def tick(self, member_id: int, milestone: str, now: datetime) -> bool:
        return await self.db.execute(
            "INSERT OR IGNORE INTO milestones_done (member_id, milestone, done_at) VALUES (?,?,?)",
            (member_id, milestone, iso(now)),
        ) > 0

    async def untick(self, member_id: int, milestone: str) -> bool:
        return await self.db.execute(
            "DELETE FROM milestones_done WHERE member_id=? AND milestone=?", (member_id, milestone)
        ) > 0

    async def done_by_group(self, group_id: int) -> dict[int, set[str]]:
        rows = await self.db.all(
            "SELECT d.member_id, d.milestone FROM milestones_done d JOIN members m ON m.id = d.member_id "
            "WHERE m.group_id=? AND m.active=1",
            (group_id,),
        )
        out: dict[int, set[str]] = {}
        for member_id, milestone in rows:
            out.setdefault(member_id, set()).add(milestone)
        return out


def _message(row) -> OutboxMessage:
    reply, unreadable = _payload(row["payload"])
    return OutboxMessage(
        id=row["id"], key=row["key"], group_id=row["group_id"], channel_id=row["channel_id"],
        user_id=row["user_id"], reply=reply, attempts=row["attempts"],
        created_at=from_iso(row["created_at"]), not_before=from_iso(row["not_before"]), status=row["status"],
        delivered_at=from_iso(row["delivered_at"]), last_error=row["last_error"], unreadable=unreadable,
    )


def _destination(channel_id: int | None, user_id: int | None) -> str:
    """The queue a message is in (outbox.destination): its channel, or the person for a DM."""
    return f"channel:{channel_id}" if channel_id is not None else f"user:{user_id}"


# A destination's head, with everything its delivery needs, in one statement: the platform ids of the
# channel or the person (the links index), the DM channel kept for the person, and the message whose
# thread it replies in (by its unique key). The partial index serves `destination=? ... ORDER BY id`.
_HEAD = (
    "SELECT o.*, "
    "(SELECT external_id FROM links WHERE kind='channel' AND internal_id=o.channel_id AND platform=? LIMIT 1) "
    "AS channel_ref, "
    "(SELECT external_id FROM links WHERE kind='user' AND internal_id=o.user_id AND platform=? LIMIT 1) "
    "AS user_ref, "
    "(SELECT channel_ref FROM dm_channels WHERE platform=? AND user_id=o.user_id) AS dm, "
    "CASE WHEN o.channel_id IS NULL THEN (SELECT l.external_id FROM groups g JOIN links l ON l.kind='channel' "
    "AND l.internal_id=g.channel_id AND l.platform=? WHERE g.id=o.group_id LIMIT 1) END AS group_channel_ref, "
    "p.id AS parent_id, p.ref AS parent_ref, p.status AS parent_status, p.payload AS parent_payload, "
    "e.ref AS edit_ref, e.status AS edit_status, "
    "CASE WHEN o.edit_of IS NULL THEN 0 ELSE EXISTS (SELECT 1 FROM outbox n WHERE n.edit_of=o.edit_of "
    "AND n.status='pending' AND n.id>o.id) END AS superseded "
    "FROM outbox o LEFT JOIN outbox p ON p.key=o.thread_of LEFT JOIN outbox e ON e.key=o.edit_of "
    "WHERE o.destination=? AND o.status='pending' ORDER BY o.id LIMIT 1"
)


def _thread(row) -> Thread:
    """The thread a reply goes in: the starting message's platform id once it was delivered, else None
    (it was undeliverable, or the platform has no threads), and its title as the thread's name."""
    if row["parent_id"] is None:
        return Thread(None, "")
    parent, _ = _payload(row["parent_payload"])
    return Thread(row["parent_ref"] if row["parent_status"] == "delivered" else None, plain(parent.title))


def _payload(text: str) -> tuple[Reply, str | None]:
    """The stored reply. One this version cannot read (damaged, or written by another version) comes back
    empty with the reason, so the deliverer gives up that one message rather than failing every pass."""
    try:
        return Reply.from_json(json.loads(text)), None
    except Exception as exc:
        return Reply(), f"unreadable payload ({type(exc).__name__}: {exc})"


class SqliteOutbox:
    """The outbox as queues, one per destination (bot/storage/migrations/0014_outbox_claims.sql): each
    message names its queue in `destination`, and `outbox_queues` holds, per queue with anything pending,
    when it may next be claimed and by whom it is held."""

    def __init__(self, db: Database):
        self.db = db

    async def enqueue(self, key, reply, now, *, group_id, channel_id=None, user_id=None, not_before=None,
                      thread_of=None, edit_of=None) -> bool:
        destination = _destination(channel_id, user_id)
        ready = iso(not_before or now)
        row = await self.db.one(
            "INSERT INTO outbox (key, group_id, channel_id, user_id, payload, created_at, not_before, "
            "thread_of, edit_of, destination) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING "
            "RETURNING id",
            (key, group_id, channel_id, user_id, json.dumps(reply.to_json()), iso(now), ready, thread_of,
             edit_of, destination),
        )
        if row is None:
            return False
        # The destination's queue: a new one is ready when its message is; an existing one already has an
        # older head (ids only grow), so its time and its holder stay as they are.
        await self.db.write("INSERT INTO outbox_queues (destination, ready_at) VALUES (?, ?) "
                            "ON CONFLICT (destination) DO NOTHING", (destination, ready))
        # Whose words it carries, so that forget-me finds this row without reading every payload.
        for author in sorted(reply.authors()):
            await self.db.write("INSERT OR IGNORE INTO outbox_authors (user_id, outbox_id) VALUES (?, ?)",
                                (author, row[0]))
        # A button too long for a platform's button id is kept by key with the message (bot/domain/buttons.py).
        await SqliteButtons(self.db).keep(reply, user_id, now)
        self.db.record(MessageEnqueued(key))
        return True

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Pending messages due by `now`, oldest first (a look at the outbox; deliverers use `claim`)."""
        rows = await self.db.all(
            "SELECT * FROM outbox WHERE status='pending' AND not_before<=? ORDER BY id LIMIT ?", (iso(now), limit)
        )
        return [self._read(r) for r in rows]

    async def oldest_pending(self) -> datetime | None:
        """When the oldest message still waiting (retries included) was queued: for health checks."""
        return from_iso(await self.db.scalar("SELECT MIN(created_at) FROM outbox WHERE status='pending'"))

    @staticmethod
    def _read(row) -> OutboxMessage:
        message = _message(row)
        message.thread_of, message.ref, message.destination = row["thread_of"], row["ref"], row["destination"]
        message.edit_of = row["edit_of"]
        return message

    async def claim(self, lease: Lease, limit: int) -> list[OutboxMessage]:
        """Take up to `limit` destinations that are due and held by nobody (or whose holder's lease has
        lapsed) for `lease.owner`, until `lease.until`; returns the oldest message of each, with its
        addresses and thread. A destination whose head turns out not to be due (or that has none) is
        given back on the spot, with the time it is due.

        One statement takes the destinations: the ready ones, oldest first, through the ready_at index.
        The outer `ready_at <= ?` is checked again on the row it updates, so two claimers that picked the
        same row cannot both take it (in PostgreSQL, with FOR UPDATE SKIP LOCKED in the subquery, a
        claimer does not even wait for the other)."""
        now = iso(lease.now)
        rows = await self.db.all(
            "UPDATE outbox_queues SET claimed_by=?, ready_at=? WHERE ready_at<=? AND destination IN "
            "(SELECT destination FROM outbox_queues WHERE ready_at<=? ORDER BY ready_at LIMIT ?) "
            "RETURNING destination",
            (lease.owner, iso(lease.until), now, now, limit),
        )
        heads = []
        for (destination,) in rows:
            head = await self._head(destination, lease, renew=False)  # just taken, until lease.until
            if head is not None:
                heads.append(head)
        heads.sort(key=lambda m: m.id)  # RETURNING has no order; the oldest destinations go first
        return heads

    async def advance(self, settled: OutboxMessage, lease: Lease) -> OutboxMessage | None:
        """After `settled` (its destination's head) was marked, in the same unit: the next message of the
        destination, with the lease renewed to `lease.until`, if it is due and the destination is still
        held by `lease.owner`; else None, and the destination is given back (or left to whoever took it
        over when this holder's lease lapsed)."""
        return await self._head(_destination(settled.channel_id, settled.user_id), lease)

    async def _head(self, destination: str, lease: Lease, renew: bool = True) -> OutboxMessage | None:
        """The destination's oldest pending message, if it is due: the lease is then kept (taken or
        renewed). Otherwise the queue is given back, due when its head is, or dropped when it is empty.
        Only the holder changes a queue; None when `lease.owner` does not hold it."""
        row = await self.db.one(_HEAD, (lease.platform,) * 4 + (destination,))
        if row is None:
            await self.db.write("DELETE FROM outbox_queues WHERE destination=? AND claimed_by=?",
                                (destination, lease.owner))
            return None
        if row["not_before"] > iso(lease.now):
            await self.db.write("UPDATE outbox_queues SET ready_at=?, claimed_by=NULL "
                                "WHERE destination=? AND claimed_by=?", (row["not_before"], destination, lease.owner))
            return None
        if renew and not await self.db.execute(
                "UPDATE outbox_queues SET ready_at=? WHERE destination=? AND claimed_by=?",
                (iso(lease.until), destination, lease.owner)):
            return None  # our lease lapsed and another deliverer took the destination: it goes on from there
        message = self._read(row)
        message.channel_ref, message.user_ref, message.dm_channel = row["channel_ref"], row["user_ref"], row["dm"]
        message.group_channel_ref = row["group_channel_ref"]
        if message.thread_of is not None:
            message.thread = _thread(row)
        if message.edit_of is not None:
            message.target = row["edit_ref"] if row["edit_status"] == "delivered" else None
            message.superseded = bool(row["superseded"])
        return message

    async def release(self, owner: str | None, now: datetime) -> int:
        """Give back the destinations `owner` holds (None: every holder's, when this process is known to
        be the only one, so what it finds held was held by a process that died). They are ready at once;
        a head that is not due yet is found out, and waits again, at the next claim."""
        if owner is None:
            return await self.db.execute("UPDATE outbox_queues SET claimed_by=NULL, ready_at=? "
                                         "WHERE claimed_by IS NOT NULL", (iso(now),))
        return await self.db.execute("UPDATE outbox_queues SET claimed_by=NULL, ready_at=? WHERE claimed_by=?",
                                     (iso(now), owner))

    async def mark_delivered(self, message_id: int, now: datetime, ref: str | None = None) -> None:
        await self.db.write(
            # Only a pending message: two deliverers may both settle one whose first holder's lease
            # lapsed during its send; the first outcome recorded stands.
            "UPDATE outbox SET status='delivered', delivered_at=?, attempts=attempts+1, ref=? "
            "WHERE id=? AND status='pending'",
            (iso(now), ref, message_id),
        )

    async def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        await self.db.write(
            "UPDATE outbox SET attempts=attempts+1, last_error=?, not_before=? WHERE id=? AND status='pending'",
            (error[:500], iso(retry_at), message_id),
        )

    async def mark_undeliverable(self, message_id: int, error: str) -> None:
        await self.db.write(
            "UPDATE outbox SET status='undeliverable', attempts=attempts+1, last_error=? "
            "WHERE id=? AND status='pending'",
            (error[:500], message_id),
        )

    async def get(self, key: str) -> OutboxMessage | None:
        row = await self.db.one("SELECT * FROM outbox WHERE key=?", (key,))
        return self._read(row) if row else None

    async def next_due_at(self) -> datetime | None:
        """When a claim may next find something: the earliest queue's head, or a lease that lapses."""
        return from_iso(await self.db.scalar("SELECT MIN(ready_at) FROM outbox_queues"))

    async def latest_created(self, prefix: str) -> datetime | None:
        """When the newest message whose key starts with `prefix` was queued (a range on the key's index)."""
        return from_iso(await self.db.scalar(
            "SELECT MAX(created_at) FROM outbox WHERE key>=? AND key<?", (prefix, prefix + "\U0010ffff")))

    async def forget_user(self, user_id: int, group_id: int) -> int:
        """forget-me: delete the group's messages addressed to the person, and rewrite every other message
        of the group that carries their words (pending or delivered) with those words removed.
        Returns how many messages were rewritten."""
        await self.db.write("DELETE FROM outbox WHERE user_id=? AND group_id=?", (user_id, group_id))
        # The person's queue may have lost its head: unless a deliverer holds it, it is due when its new
        # head is (an empty queue is dropped by the next claim).
        await self.db.write(
            "UPDATE outbox_queues SET ready_at=COALESCE((SELECT not_before FROM outbox WHERE destination=? "
            "AND status='pending' ORDER BY id LIMIT 1), ready_at) WHERE destination=? AND claimed_by IS NULL",
            (_destination(None, user_id),) * 2)
        rows = await self.db.all(
            "SELECT o.id, o.payload FROM outbox_authors a JOIN outbox o ON o.id = a.outbox_id "
            "WHERE a.user_id=? AND (o.group_id=? OR o.group_id IS NULL)", (user_id, group_id),
        )
        for outbox_id, payload in rows:
            try:
                scrubbed = Reply.from_json(json.loads(payload)).scrub(user_id)
            except (ValueError, KeyError, TypeError, AttributeError):  # unreadable: nothing of it is kept
                scrubbed = Reply(text=REMOVED)
            # last_error may quote what the platform or a renderer said about the message: it goes too
            await self.db.write("UPDATE outbox SET payload=?, last_error=CASE WHEN last_error IS NULL THEN NULL "
                                "ELSE '(removed with forget-me)' END WHERE id=?",
                                (json.dumps(scrubbed.to_json()), outbox_id))
            await self.db.write("DELETE FROM outbox_authors WHERE user_id=? AND outbox_id=?", (user_id, outbox_id))
        return len(rows)

    async def prune(self, before: datetime, limit: int = 500) -> int:
        """Delete up to `limit` messages delivered (or given up on) before `before`; returns how many.

        A header whose thread still has a pending reply is kept: the reply needs its platform ref. Their
        author rows go with them (ON DELETE CASCADE)."""
        cutoff = iso(before)
        return await self.db.execute(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
            "WHERE status IN ('delivered', 'undeliverable') AND not_before < ? AND COALESCE(delivered_at, not_before) < ? "
            "AND key NOT IN (SELECT thread_of FROM outbox WHERE status='pending' AND thread_of IS NOT NULL) "
            "AND key NOT IN (SELECT edit_of FROM outbox WHERE status='pending' AND edit_of IS NOT NULL) "
            "LIMIT ?)",  # no ORDER BY: the index yields the oldest first anyway, and a sort would read them all
            (cutoff, cutoff, limit),
        )


_DIFFICULTIES = ("easy", "medium", "hard")
_PERIOD_COLUMNS = {"week": ("week_of", "week_"), "month": ("month_of", "month_"), "all": (None, "all_")}
_STATS_COLUMNS = (
    "group_id, member_id, streak_day, streak_current, streak_best, streak_freezes, streak_run, "
    "week_of, week_easy, week_medium, week_hard, month_of, month_easy, month_medium, month_hard, "
    "all_easy, all_medium, all_hard"
)
_MARK_COLUMNS = ("streak_day", "streak_current", "streak_best", "streak_freezes", "streak_run")


def _mark(day: str | None, current: int, best: int, freezes: int, run: int) -> StreakMark | None:
    """A StreakMark from its five columns (None: no solve day yet)."""
    return StreakMark(date.fromisoformat(day), current, best, freezes, run) if day else None


def _period_sum(prefix: str, key: str | None) -> str:
    """SET clauses adding one solve's counts to a period; a period that has rolled over starts again."""
    if key is None:
        return ", ".join(f"{prefix}{d}={prefix}{d}+excluded.{prefix}{d}" for d in _DIFFICULTIES)
    # SET reads the old row throughout, so the key is compared before it is replaced
    return ", ".join(f"{prefix}{d}=excluded.{prefix}{d}+CASE WHEN {key}=excluded.{key} THEN {prefix}{d} ELSE 0 END"
                     for d in _DIFFICULTIES) + f", {key}=excluded.{key}"


_COUNT_SOLVE = (
    f"INSERT INTO member_stats ({_STATS_COLUMNS}) VALUES ({','.join('?' * 18)}) ON CONFLICT (group_id, member_id) "
    f"DO UPDATE SET {', '.join(f'{c}=excluded.{c}' for c in _MARK_COLUMNS)}, "
    f"{_period_sum('week_', 'week_of')}, {_period_sum('month_', 'month_of')}, {_period_sum('all_', None)}"
)
# The streak mark's columns, read alongside a solve (RETURNING allows one value per subquery).
_MARK_RETURNING = ", ".join(
    f"(SELECT st.{c} FROM member_stats st WHERE st.group_id=solves.group_id AND st.member_id=solves.member_id)"
    for c in _MARK_COLUMNS)


def _stats_row(group_id: int, stats: MemberStats) -> tuple:
    m = stats.mark
    return (group_id, stats.member_id, m.day.isoformat() if m else None, m.current if m else 0,
            m.best if m else 0, m.freezes if m else 0, m.run if m else 0,
            iso(stats.week_of) if stats.week_of else None, *stats.week,
            iso(stats.month_of) if stats.month_of else None, *stats.month, *stats.all)


class SqlitePractice:
    """Daily posts, solves and review cards."""

    def __init__(self, db: Database):
        self.db = db

    async def post_for(self, group_id: int, day: date) -> Posted | None:
        row = await self.db.one(
            "SELECT local_date, item_id, kind, difficulty, pattern FROM daily_posts WHERE group_id=? AND local_date=?",
            (group_id, day.isoformat()),
        )
        return _posted(row) if row else None

    async def latest_post(self, group_id: int) -> Posted | None:
        row = await self.db.one(
            "SELECT local_date, item_id, kind, difficulty, pattern FROM daily_posts WHERE group_id=? "
            "ORDER BY local_date DESC LIMIT 1", (group_id,),
        )
        return _posted(row) if row else None

    async def history(self, group_id: int) -> list[Posted]:
        rows = await self.db.all(
            "SELECT local_date, item_id, kind, difficulty, pattern FROM daily_posts WHERE group_id=? ORDER BY local_date",
            (group_id,),
        )
        return [_posted(r) for r in rows]

    async def post_history(self, group_id: int) -> PostHistory:
        """The summary selection needs, one row per item and per pattern (not every past post)."""
        times = {(r[0], r[1]): r[2] for r in await self.db.all(
            "SELECT kind, item_id, times FROM post_counts WHERE group_id=?", (group_id,))}
        last = {r[0]: date.fromisoformat(r[1]) for r in await self.db.all(
            "SELECT pattern, last_date FROM pattern_last WHERE group_id=?", (group_id,))}
        return PostHistory(times, last)

    async def record_post(self, group_id: int, posted: Posted, now: datetime) -> bool:
        fresh = await self.db.execute(
            "INSERT OR IGNORE INTO daily_posts (group_id, local_date, item_id, kind, difficulty, pattern, posted_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (group_id, posted.local_date.isoformat(), posted.item_id, posted.kind, posted.difficulty,
             posted.pattern, iso(now)),
        ) > 0
        if fresh:  # the summary selection reads (post_history) moves with the post, in its transaction
            await self.db.write(
                "INSERT INTO post_counts (group_id, kind, item_id, times) VALUES (?,?,?,1) "
                "ON CONFLICT (group_id, kind, item_id) DO UPDATE SET times = times + 1",
                (group_id, posted.kind, posted.item_id))
            if posted.kind == "problem":
                await self.db.write(
                    "INSERT INTO pattern_last (group_id, pattern, last_date) VALUES (?,?,?) "
                    "ON CONFLICT (group_id, pattern) DO UPDATE SET last_date = MAX(last_date, excluded.last_date)",
                    (group_id, posted.pattern, posted.local_date.isoformat()))
        return fresh

    async def latest_unsolved_post(self, group_id: int, member_id: int) -> Posted | None:
        """The group's latest post whose item the member has not solved (None: none, or all solved)."""
        row = await self.db.one(
            "SELECT local_date, item_id, kind, difficulty, pattern FROM daily_posts d WHERE group_id=? "
            "AND NOT EXISTS (SELECT 1 FROM solves s WHERE s.member_id=? AND s.problem_id=d.item_id) "
            "ORDER BY local_date DESC LIMIT 1", (group_id, member_id),
        )
        return _posted(row) if row else None

    async def post_of_item(self, group_id: int, item_id: str) -> Posted | None:
        """The group's latest post of an item (an item comes back once its difficulty is exhausted)."""
        row = await self.db.one(
            "SELECT local_date, item_id, kind, difficulty, pattern FROM daily_posts WHERE group_id=? AND item_id=? "
            "ORDER BY local_date DESC LIMIT 1", (group_id, item_id),
        )
        return _posted(row) if row else None

    async def solvers(self, group_id: int, problem_id: str) -> int:
        """How many of the group's active members have solved an item (each once)."""
        return await self.db.scalar(
            "SELECT COUNT(*) FROM members m JOIN solves s ON s.member_id = m.id AND s.problem_id=? "
            "WHERE m.group_id=? AND m.active=1", (problem_id, group_id),
        ) or 0

    async def remove_solve(self, member_id: int, problem_id: str) -> bool:
        """Take a solve back, with its review card (the member's stats are rebuilt by the caller)."""
        return await self.db.execute("DELETE FROM solves WHERE member_id=? AND problem_id=?",
                                     (member_id, problem_id)) > 0

    async def add_solve(self, member_id: int, group_id: int, problem_id: str, kind: str, difficulty: str,
                        minutes: int | None, felt: str | None, now: datetime, day: date,
                        review_event: str | None) -> SolveResult:
        """Record a solve (a repeat counts once) and return what the reply needs, in one statement.

        A repeat only refreshes how it felt and bumps `repeats`, which tells the two apart; either way
        the review event joins those the card has yet to take in. The member's streak mark comes back.
        """
        row = await self.db.one(
            "INSERT INTO solves (member_id, group_id, problem_id, kind, difficulty, minutes, felt, solved_at, "
            "local_date, reviews) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (member_id, problem_id) DO UPDATE SET "
            "minutes=COALESCE(excluded.minutes, minutes), felt=COALESCE(excluded.felt, felt), repeats=repeats+1, "
            "reviews=CASE WHEN excluded.reviews IS NULL THEN reviews "
            "ELSE COALESCE(reviews || ';', '') || excluded.reviews END "
            f"RETURNING repeats, {_MARK_RETURNING}",
            (member_id, group_id, problem_id, kind, difficulty, minutes, felt, iso(now), day.isoformat(),
             review_event),
        )
        return SolveResult(fresh=row[0] == 0, mark=_mark(*row[1:6]) if row[1] else None)

    async def count_solve(self, group_id: int, member_id: int, difficulty: str, mark: StreakMark,
                          week_of: datetime, month_of: datetime) -> None:
        """Add a fresh solve to the member's stats: the new streak mark, and one more solve of its
        difficulty this week, this month and all time (a period that has rolled over starts again)."""
        one = tuple(int(difficulty == d) for d in _DIFFICULTIES)
        await self.db.write(_COUNT_SOLVE, _stats_row(group_id, MemberStats(member_id, mark, week_of, one, month_of, one, one)))

    async def standings(self, group_id: int, period: str, since: datetime | None, top: int | None = None,
                        weights: dict[str, int] | None = None) -> list[tuple]:
        """(member id, name, {difficulty: solves}, timezone, streak mark) of the group's active members
        with a solve in the period that began at `since` (None: all time).

        With `top`, only the members who can be among the first `top` by (points, solves) under
        `weights` come back: those at least as far up as the top-th, ties included, so that the final
        order (domain/scoring.rank, which breaks ties by name) is decided on a handful of rows.
        """
        key, prefix = _PERIOD_COLUMNS[period]
        e, m, h = (prefix + d for d in _DIFFICULTIES)
        rows_sql = (
            f"SELECT st.member_id, mb.name, mb.timezone, {e}, {m}, {h}, {', '.join('st.' + c for c in _MARK_COLUMNS)}, "
            f"{e}*? + {m}*? + {h}*? AS points, {e}+{m}+{h} AS solves "
            "FROM member_stats st JOIN members mb ON mb.id = st.member_id "
            f"WHERE st.group_id=? AND mb.active=1 AND {e}+{m}+{h} > 0{f' AND st.{key}=?' if key else ''}"
        )
        w = weights or {}
        params = [w.get(d, 1) for d in _DIFFICULTIES] + [group_id] + ([iso(since)] if key else [])
        if top is None:
            rows = await self.db.all(rows_sql, params)
        else:
            rows = await self.db.all(
                f"WITH t AS ({rows_sql}), cut AS (SELECT points, solves FROM t ORDER BY points DESC, solves DESC "
                "LIMIT 1 OFFSET ?) SELECT * FROM t WHERE NOT EXISTS (SELECT 1 FROM cut) "
                "OR (t.points, t.solves) >= (SELECT points, solves FROM cut)",
                [*params, top - 1],
            )
        return [(r[0], r[1], dict(zip(_DIFFICULTIES, r[3:6], strict=True)), r[2], _mark(*r[6:11])) for r in rows]

    async def stats_sources(self, group_id: int, week_of: datetime, month_of: datetime) -> list[tuple]:
        """What member_stats is built from, per member of the group: (member id, solve days, solves by
        difficulty since week_of, since month_of, all time)."""
        since = {"week": iso(week_of), "month": iso(month_of)}
        counts = [("difficulty=? AND solved_at >= ?", (d, since[p])) for p in ("week", "month") for d in _DIFFICULTIES]
        counts += [("difficulty=?", (d,)) for d in _DIFFICULTIES]
        rows = await self.db.all(
            "SELECT member_id, group_concat(DISTINCT local_date), "
            + ", ".join(f"SUM({cond})" for cond, _ in counts)
            + " FROM solves WHERE member_id IN (SELECT id FROM members WHERE group_id=?) GROUP BY member_id",
            [v for _, args in counts for v in args] + [group_id],
        )
        return [(r[0], [date.fromisoformat(d) for d in (r[1] or "").split(",") if d], tuple(r[2:5]),
                 tuple(r[5:8]), tuple(r[8:11])) for r in rows]

    async def replace_stats(self, group_id: int, stats: list[MemberStats]) -> None:
        await self.db.write("DELETE FROM member_stats WHERE group_id=?", (group_id,))
        if stats:
            await self.db.executemany(f"INSERT INTO member_stats ({_STATS_COLUMNS}) VALUES ({','.join('?' * 18)})",
                                      [_stats_row(group_id, s) for s in stats])
        await self.db.write("UPDATE groups SET stats_built=1 WHERE id=?", (group_id,))

    async def groups_without_stats(self) -> list[int]:
        return [r[0] for r in await self.db.all("SELECT id FROM groups WHERE stats_built=0 ORDER BY id")]

    async def solved_ids(self, member_id: int) -> set[str]:
        return {r[0] for r in await self.db.all("SELECT problem_id FROM solves WHERE member_id=?", (member_id,))}

    async def solve_days(self, member_id: int) -> list[date]:
        rows = await self.db.all("SELECT DISTINCT local_date FROM solves WHERE member_id=?", (member_id,))
        return [date.fromisoformat(r[0]) for r in rows]

    async def counts_by_difficulty(self, member_id: int, kind: str = "problem") -> dict[str, int]:
        rows = await self.db.all(
            "SELECT difficulty, COUNT(*) FROM solves WHERE member_id=? AND kind=? GROUP BY difficulty", (member_id, kind)
        )
        return {r[0]: r[1] for r in rows}

    async def unreviewed(self, member_id: int) -> list[tuple[str, str | None, str]]:
        """(problem id, card as JSON, review events) of the member's solves the card has yet to take in."""
        rows = await self.db.all(
            "SELECT problem_id, card, reviews FROM solves WHERE member_id=? AND reviews IS NOT NULL", (member_id,)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def save_card(self, member_id: int, problem_id: str, card_json: str, due: datetime) -> None:
        """Store a card brought up to date with every review event it was built from."""
        await self.db.write("UPDATE solves SET card=?, due=?, reviews=NULL WHERE member_id=? AND problem_id=?",
                            (card_json, iso(due), member_id, problem_id))

    async def due_reviews(self, member_id: int, now: datetime, limit: int = 10) -> list[tuple[str, datetime]]:
        rows = await self.db.all(
            "SELECT problem_id, due FROM solves WHERE member_id=? AND due IS NOT NULL ORDER BY due LIMIT ?",
            (member_id, limit),
        )
        return [(r[0], from_iso(r[1])) for r in rows]


def _posted(row) -> Posted:
    return Posted(date.fromisoformat(row[0]), row[1], row[2], row[3], row[4])


class SqliteRuntime:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> str | None:
        return await self.db.scalar("SELECT value FROM runtime WHERE key=?", (key,))

    async def set(self, key: str, value: str) -> None:
        await self.db.write("INSERT OR REPLACE INTO runtime (key, value) VALUES (?, ?)", (key, value))


class SqliteRoles:
    """Stage and streak roles (bot/storage/migrations/0022_roles.sql): a group's switch (off without a
    row), and the roles each member was last queued to hold, so a sync goes out only on a change."""

    def __init__(self, db: Database):
        self.db = db

    async def enabled(self, group_id: int) -> bool:
        return bool(await self.db.scalar("SELECT enabled FROM group_roles WHERE group_id=?", (group_id,)))

    async def set_enabled(self, group_id: int, enabled: bool, now: datetime) -> bool:
        """Turn the group's roles on or off; returns whether that changed anything."""
        if await self.enabled(group_id) == enabled:
            return False
        await self.db.write(
            "INSERT INTO group_roles (group_id, enabled, changed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (group_id) DO UPDATE SET enabled=excluded.enabled, changed_at=excluded.changed_at",
            (group_id, int(enabled), iso(now)))
        return True

    async def synced(self, member_id: int) -> tuple[str, ...] | None:
        """The roles last queued for the member (None: never)."""
        text = await self.db.scalar("SELECT roles FROM member_roles WHERE member_id=?", (member_id,))
        return None if text is None else tuple(json.loads(text))

    async def set_synced(self, member_id: int, group_id: int, roles: tuple[str, ...], now: datetime) -> None:
        await self.db.write(
            "INSERT INTO member_roles (member_id, group_id, roles, synced_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET roles=excluded.roles, synced_at=excluded.synced_at",
            (member_id, group_id, json.dumps(list(roles)), iso(now)))

    async def synced_in_group(self, group_id: int) -> list[tuple[int, tuple[str, ...]]]:
        """(member id, roles) of every member of the group who was queued roles, by member id."""
        rows = await self.db.all("SELECT member_id, roles FROM member_roles WHERE group_id=? ORDER BY member_id",
                                 (group_id,))
        return [(r[0], tuple(json.loads(r[1]))) for r in rows]

    async def clear_group(self, group_id: int) -> int:
        """Forget what the group's members were given (after their roles were taken away)."""
        return await self.db.execute("DELETE FROM member_roles WHERE group_id=?", (group_id,))


class SqliteStore:
    """The unit of work handed to services: every repository over one database."""

    def __init__(self, db: Database):
        self.db = db
        self.links = SqliteLinks(db)
        self.users = SqliteUsers(db)
        self.channels = SqliteChannels(db)
        self.groups = SqliteGroups(db)
        self.members = SqliteMembers(db)
        self.milestones = SqliteMilestones(db)
        self.outbox = SqliteOutbox(db)
        self.practice = SqlitePractice(db)
        self.runtime = SqliteRuntime(db)
        self.accountability = SqliteAccountability(db)
        self.mock = SqliteMock(db)
        self.buttons = SqliteButtons(db)
        self.hints = SqliteHints(db)
        self.schedule = SqliteSchedule(db)
        self.roles = SqliteRoles(db)
