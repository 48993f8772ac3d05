"""`studybot run --platform discord`: the real entry point, with the real clock, against the fake."""

from __future__ import annotations

import asyncio
import contextlib

from discord_fake import GUILD_ID, Failure
from discord_harness import PACK, TOKEN, text_of

from adapters.discord.main import run_discord
from bot.bootstrap import open_app
from bot.config import Settings


async def test_a_missing_token_is_one_clear_line(tmp_path, capsys):
    settings = Settings(platform="discord", db_path=str(tmp_path / "s.db"))
    assert await run_discord(settings, open_core=open_app) == 2
    err = capsys.readouterr().err.strip()
    assert err == "studybot: STUDYBOT_DISCORD_TOKEN is not set; see docs/discord.md"


async def test_a_bad_guild_id_is_one_clear_line(tmp_path, capsys):
    settings = Settings(platform="discord", db_path=str(tmp_path / "s.db"), discord_token=TOKEN,
                        discord_guild="my-server")
    assert await run_discord(settings, open_core=open_app) == 2
    assert capsys.readouterr().err.strip().startswith("studybot: STUDYBOT_DISCORD_GUILD must be a server id")


async def test_run_discord_connects_syncs_and_answers(fake, tmp_path):
    settings = Settings(platform="discord", db_path=str(tmp_path / "s.db"), discord_token=TOKEN,
                        discord_guild=str(GUILD_ID), content_dir=PACK)
    task = asyncio.create_task(run_discord(settings, open_core=open_app, client_options={"guild_ready_timeout": 0.05}))
    try:
        await asyncio.wait_for(fake.identified.wait(), 15)
        assert fake.recorded("PUT", f"/applications/{fake.app_id}/guilds/{GUILD_ID}/commands")
        body = await fake.slash("help")
        assert "/roadmap" in text_of(body) or "roadmap" in text_of(body)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_refused_token_is_one_clear_line(fake, tmp_path, capsys):
    fake.fail_next("GET /users/@me", Failure(401, {"message": "401: Unauthorized", "code": 0}))
    settings = Settings(platform="discord", db_path=str(tmp_path / "s.db"), discord_token="wrong-token",
                        content_dir=PACK)
    assert await run_discord(settings, open_core=open_app) == 2
    assert capsys.readouterr().err.strip() == ("studybot: Discord refused the token (STUDYBOT_DISCORD_TOKEN); "
                                               "see docs/discord.md")
