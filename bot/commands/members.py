"""A member named in a command: by name, by the platform's identity for the person, or by our own id.

Names are not identities: two members may share one, and a display name may hold spaces ("Mary Ann")
or change. So a member parameter is a `MemberRef`, in one of three neutral forms:

- `<@ID>` or `<@ID|label>`: the platform's id of the person, on the caller's platform. Discord's user
  option (and a `<@123>` mention) and a Slack mention (`<@U123>`, `<@U123|name>`: `/study` has
  `should_escape: true`) arrive this way; the core turns the id into ours through the `links` table.
- `member:42`: our member id. Buttons the core makes name members this way, so a click means the same
  member whatever their name, now or after a rename.
- anything else is a display name (the console, or text typed without a mention); `@name` is the name.

A handler turns the reference into a Member of the caller's group with `await resolve(ctx, ref)`. A
name two members share raises `Ambiguous`, which the dispatcher answers with "which one?" and a button
per member (the same command, naming that member by id): never an arbitrary pick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.buttons import by_id
from bot.domain.model import Member
from bot.errors import NotFound, UsageError
from bot.text import Rich

if TYPE_CHECKING:
    from bot.commands.context import Context

# Platform ids are ASCII letters and digits (a Discord snowflake, a Slack U… or W… id); `<@!123>` is
# Discord's older nickname mention. The label after `|` is whatever Slack put there (a name).
MENTION = re.compile(r"<@!?([A-Za-z0-9]{1,40})(?:\|([^<>\n]*))?>")
OURS = re.compile(r"member:([0-9]{1,18})", re.IGNORECASE)
WHICH_MAX = 5  # candidates offered as buttons (a Discord row holds five)


@dataclass(frozen=True)
class MemberRef:
    name: str | None = None
    user: str | None = None  # the platform's id of the person, on the caller's platform
    member_id: int | None = None  # ours
    label: str | None = None  # what a mention showed, for messages

    def text(self) -> str:
        """The reference as it is typed (what a button's command carries)."""
        if self.member_id is not None:
            return by_id(self.member_id)
        if self.user is not None:
            return f"<@{self.user}>"
        return self.name or ""

    def shown(self) -> str:
        """How a message names the reference back to the person."""
        if self.user is not None:
            return f"@{self.label}" if self.label else "that person"
        if self.member_id is not None:
            return "that member"
        return f"'{(self.name or '')[:40]}'"




def parse(text: str) -> MemberRef:
    """What was typed -> a MemberRef; raises ValueError with a message meant for the person."""
    text = text.strip()
    m = MENTION.fullmatch(text)
    if m:
        return MemberRef(user=m.group(1), label=(m.group(2) or "").strip() or None)
    m = OURS.fullmatch(text)
    if m:
        return MemberRef(member_id=int(m.group(1)))
    name = text.lstrip("@").strip()
    if not name:
        raise ValueError("name a member (their name, or a mention)")
    return MemberRef(name=" ".join(name.split()))


class Ambiguous(UsageError):
    """A name that more than one member of the group has. The dispatcher turns it into a "which one?"
    reply with a button per member; anywhere else it reads as a plain usage error."""

    def __init__(self, ref: MemberRef, members: list[Member], group_name: str):
        self.ref = ref
        self.members = members
        shown = members[:WHICH_MAX]
        options = " or ".join(f"member:{m.id} ({_joined(m)})" for m in shown)
        more = f" ({len(members) - len(shown)} more: mention the one you mean)" if len(members) > len(shown) else ""
        super().__init__(
            f"{_count(len(members))} members of {group_name} are called {ref.shown()}: which one? Press a button, "
            f"mention them, or type {options} in place of the name.{more}")


def _count(n: int) -> str:
    return {2: "Two", 3: "Three", 4: "Four", 5: "Five"}.get(n, str(n))


def _joined(member: Member) -> str:
    return f"joined {member.joined_at:%d %b %Y}" if member.joined_at else "joined earlier"


def label(member: Member) -> str:
    """A button label that tells same-named members apart."""
    return f"{member.name[:40]}, {_joined(member)}"


async def resolve(ctx: Context, ref: MemberRef) -> Member:
    """The active member of the caller's group that `ref` names, or NotFound / Ambiguous."""
    group = ctx.group
    store = ctx.store
    if ref.member_id is not None:
        member = await store.members.get(ref.member_id)
        if member is None or member.group_id != group.id or not member.active:
            raise NotFound(f"That member is no longer in {group.name}.")
        return member
    if ref.user is not None:
        user_id = await store.links.internal(ctx.who.caller.platform, "user", ref.user)
        member = await store.members.of_user(group.id, user_id) if user_id is not None else None
        if member is None or not member.active:
            who = f"@{ref.label}" if ref.label else "That person"
            raise NotFound(Rich.format("{who} is not in {group} (they can type `join` first).", who=who,
                                       group=group.name))
        return member
    name = ref.name or ""
    found = await store.members.named(group.id, name)
    if not found:
        raise NotFound(f"No member called '{name[:40]}' in {group.name}.")
    if len(found) > 1:
        raise Ambiguous(ref, found, group.name)
    return found[0]
