"""What a command handler is given: the unit of work, the clock, the content, and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.content import ContentPack, Roadmap
from bot.domain.model import Group, Member, Whoami
from bot.errors import NotAllowed
from bot.ports import Clock, Store
from bot.text import Rich

if TYPE_CHECKING:
    from bot.commands.registry import Registry


@dataclass
class Context:
    store: Store
    clock: Clock
    content: ContentPack
    registry: Registry
    who: Whoami
    sent: int = 0  # outbox messages queued by this command
    notes: list[str] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def group(self) -> Group:
        if self.who.group is None:
            if self.who.caller.is_dm:
                raise NotAllowed("This is a direct message with the bot: run this in your study group's channel.")
            raise NotAllowed(Rich.format("This channel has no study group yet. An organiser can start one with "
                                          "`group setup`."))
        return self.who.group

    @property
    def member(self) -> Member:
        if self.who.member is None or not self.who.member.active:
            raise NotAllowed(Rich.format("You are not in this study group yet. Type `join` first."))
        return self.who.member

    def roadmap(self) -> Roadmap:
        group = self.group
        return self.content.roadmaps.get(group.roadmap) or next(iter(self.content.roadmaps.values()))

    async def own_group(self, need_member: bool = True) -> None:
        """Resolve the caller's group when they write from a DM (where prompts arrive) rather than its channel.

        In a group's channel nothing changes. Elsewhere, a person in exactly one group is taken to mean that
        one; someone in several is asked to use the group's channel.
        """
        who = self.who
        if who.group is None:
            groups = await self.store.accountability.checkins.groups_of_user(who.user_id)
            if len(groups) > 1:
                raise NotAllowed("You are in several study groups: run this in the channel of the one you mean.")
            if groups:
                who.group = await self.store.groups.get(groups[0])
                who.member = await self.store.members.of_user(groups[0], who.user_id)
        _ = self.group
        if need_member:
            _ = self.member
