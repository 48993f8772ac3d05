"""design today"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import command
from bot.reply import Reply
from bot.services import checkins, digest


@command("design today", scope="anyone", help="This week's system-design prompt")
async def design_today(ctx: Context) -> Reply:
    await checkins.own_group(ctx, need_member=False)
    week, prompt = await digest.prompt_of_week(ctx.store, ctx.content, ctx.group, ctx.now)
    return digest.render_design(prompt, week)
