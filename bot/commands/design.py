"""design today"""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import command
from bot.reply import Reply
from bot.services import digest


@command("design today", scope="anyone", help="This week's system-design prompt")
async def design_today(ctx: Context) -> Reply:
    await ctx.own_group(need_member=False)
    week, prompt = await digest.prompt_of_week(ctx.store, ctx.content, ctx.group, ctx.now)
    return digest.render_design(prompt, week)
