"""Block Kit rendering details that the request tests do not reach: time styles, splitting, forms."""

from __future__ import annotations

import pytest

from adapters.slack import render
from bot.reply import Form, FormField, Reply
from bot.text import Rich, Stamp

EPOCH = 1772470800  # Mon 02 Mar 2026 17:00 UTC


@pytest.mark.parametrize(("style", "token", "fallback"), [
    ("f", "{date_short_pretty} {time}", "Mon 02 Mar 2026 17:00 UTC"),
    ("R", "{ago}", "Mon 02 Mar 2026 17:00 UTC"),
    ("d", "{date_short_pretty}", "Mon 02 Mar 2026"),
    ("D", "{date_long_pretty}", "Mon 02 Mar 2026"),
    ("t", "{time}", "17:00 UTC"),
])
def test_stamps_become_slack_date_tokens(style, token, fallback):
    text = render.mrkdwn(Rich.of("at ", Stamp(EPOCH, style), " & after"))
    assert text == f"at <!date^{EPOCH}^{token}|{fallback}> &amp; after"


def test_headers_show_a_readable_utc_time_and_text_never_becomes_a_link():
    reply = Reply(title=Rich.of("Round of ", Stamp(EPOCH, "d")),
                  text=f"Welcome to #C0123ABCDE, not #general {{t:{EPOCH}:d}} <!channel> *b*")
    header, section = render.blocks_for(reply)
    assert header["text"]["text"] == "Round of Mon 02 Mar 2026"
    assert section["text"]["verbatim"] is True  # Slack links no channel name or URL by itself
    assert section["text"]["text"] == (f"Welcome to #C0123ABCDE, not #general {{t:{EPOCH}:d}} &lt;!channel&gt; "
                                       "\u2217b\u2217")


def test_long_text_splits_on_line_ends_and_cuts_only_an_over_long_line():
    text = "\n".join(["a" * 1000] * 5 + ["b" * 7000])
    parts = render.chunks(text)
    assert all(len(p) <= render.SECTION_TEXT_MAX for p in parts)
    assert parts[0] == "\n".join(["a" * 1000] * 2) and "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_a_form_round_trips_through_the_modal_and_its_answers():
    form = Form("Check-in", "checkin", (FormField("done", "What you did", long=True, required=True),
                                        FormField("next", "What is next")), given=(("blockers", "none"),))
    state = render.FormState("checkin", dict(form.given), "C0123ABCDE", "http://127.0.0.1:1/respond/x")
    view = render.modal(form, state)
    assert render.FormState.load(view["private_metadata"]) == state
    submitted = {"state": {"values": {"f:done": {"value": {"value": " tries "}}, "f:next": {"value": {"value": ""}},
                                      "other": {"x": {"value": "ignored"}}}}}
    assert render.answers(submitted, state) == {"blockers": "none", "done": "tries"}
    too_much = render.FormState("checkin", {"blockers": "x" * 3000}, "C0123ABCDE")
    with pytest.raises(ValueError):
        render.modal(form, too_much)
