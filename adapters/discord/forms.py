"""A core Form as a Discord modal; submitting it re-runs the command with the answers."""

from __future__ import annotations

from typing import Any

import discord

from bot.reply import Form

TITLE_MAX = 45
LABEL_MAX = 45
PLACEHOLDER_MAX = 100
INPUT_MAX = 4000
INPUTS_MAX = 5  # Discord's limit per modal


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class FormModal(discord.ui.Modal):
    def __init__(self, form: Form, *, timeout: float = 15 * 60) -> None:
        super().__init__(title=form.title[:TITLE_MAX], timeout=timeout)
        self.form = form
        self.inputs: dict[str, discord.ui.TextInput] = {}
        for f in form.fields[:INPUTS_MAX]:
            # A label longer than Discord allows (a group's own check-in question, say) is shortened, and
            # shown whole as the placeholder when the field has none.
            placeholder = f.placeholder or (f.label if len(f.label) > LABEL_MAX else "")
            text_input = discord.ui.TextInput(
                label=_clip(f.label, LABEL_MAX),
                custom_id=f"f:{f.param}",
                style=discord.TextStyle.paragraph if f.long else discord.TextStyle.short,
                required=f.required,
                placeholder=_clip(placeholder, PLACEHOLDER_MAX) or None,
                max_length=min(f.max_length, INPUT_MAX),
            )
            self.inputs[f.param] = text_input
            self.add_item(text_input)

    def answers(self) -> dict[str, str]:
        """What was given before the form opened, plus every field the person filled in."""
        values = dict(self.form.given)
        for param, text_input in self.inputs.items():
            if text_input.value and text_input.value.strip():
                values[param] = text_input.value.strip()
        return values

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        runner = getattr(interaction.client, "runner", None)
        if runner is not None:
            await runner.run_form(interaction, self.form, self.answers())
