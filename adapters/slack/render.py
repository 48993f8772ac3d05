"""A core Reply as Slack Block Kit; a core Form as a modal; dashboards as the App Home.

Slack rejects the whole message when one block breaks a limit (`invalid_blocks`), so every length and
count is kept here rather than letting a long roadmap or leaderboard fail to send.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.reply import Bar, Button, Field, Form, Reply
from bot.text import Content, Link, Rich, Stamp, Styled, render, utc_text

BLOCKS_MAX = 50  # a message
VIEW_BLOCKS_MAX = 100  # a modal or the App Home
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_PER_SECTION = 10
HEADER_MAX = 150
CONTEXT_TEXT_MAX = 2000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTONS_PER_ACTIONS = 25
BLOCK_ID_MAX = 255
FALLBACK_MAX = 3000  # the notification text; Slack truncates beyond 40k, readers give up far sooner
MODAL_TITLE_MAX = 24
MODAL_LABEL_MAX = 2000
MODAL_PLACEHOLDER_MAX = 150
MODAL_INPUT_MAX = 3000
PRIVATE_METADATA_MAX = 3000

ACTION_PREFIX = "study:"  # every button's action_id starts with it, so one listener answers them all
FORM_CALLBACK = "study_form"
HOME_BLOCK_PREFIX = "home:"
BAR_WIDTH = 12

_STYLES = {"primary": "primary", "success": "primary", "danger": "danger"}  # Slack has no others
_DATE_TOKENS = {"R": "{ago}", "d": "{date_short_pretty}", "D": "{date_long_pretty}", "t": "{time}",
                "T": "{time_secs}"}
# Slack's mrkdwn has no escape for its formatting characters, so in text that is data they become
# look-alikes that Slack does not read as markup; & < > become entities, as Slack asks.
_MRKDWN_DATA = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "*": "\u2217", "_": "\u02cd",
                              "~": "\u223c", "`": "\u02cb"})


def slack_time(stamp: Stamp) -> str:
    """Slack shows <!date^..> in each reader's own timezone; the fallback is for old clients."""
    token = _DATE_TOKENS.get(stamp.style, "{date_short_pretty} {time}")
    return f"<!date^{stamp.epoch}^{token}|{escape(utc_text(stamp))}>"


def escape(text: str) -> str:
    """Text as mrkdwn that shows exactly that text: no <!channel>, no <@U..>, no link, no bold."""
    return text.translate(_MRKDWN_DATA)


class _Mrkdwn:
    """Parts as mrkdwn, for text objects sent with verbatim: true (Slack then links nothing by itself)."""

    def text(self, text: str) -> str:
        return escape(text)

    def stamp(self, stamp: Stamp) -> str:
        return slack_time(stamp)

    def styled(self, styled: Styled) -> str:
        mark = {"bold": "*", "italic": "_", "code": "`"}[styled.style]
        return f"{mark}{escape(styled.text)}{mark}" if styled.text.strip() else escape(styled.text)

    def link(self, link: Link) -> str:
        if not _SAFE_URL.match(link.url):
            return escape(link.label)
        return f"<{link.url}|{escape(link.label).replace('|', '/')}>"


class _Plain:
    """Parts as a plain_text object (headers, buttons, labels): shown as is; moments in UTC."""

    def text(self, text: str) -> str:
        return text

    def stamp(self, stamp: Stamp) -> str:
        return utc_text(stamp)

    def styled(self, styled: Styled) -> str:
        return styled.text

    def link(self, link: Link) -> str:
        return link.label


class _Fallback(_Mrkdwn):
    """The notification text: escaped like mrkdwn, moments in UTC (no <!date> in a notification)."""

    def stamp(self, stamp: Stamp) -> str:
        return escape(utc_text(stamp))


_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")
MRKDWN, PLAIN, FALLBACK = _Mrkdwn(), _Plain(), _Fallback()


def mrkdwn(value: Content | None) -> str:
    return render(value, MRKDWN)


def plain(value: Content | None) -> str:
    """For plain_text objects (headers, buttons, modal labels), where <!date> would show literally."""
    return render(value, PLAIN)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Split on line ends so each piece fits one section; a single over-long line is cut."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                out.append(current)
                current = ""
            out.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _mrkdwn_object(text: str) -> dict[str, Any]:
    # verbatim: Slack turns no URL, channel name or mention in the text into a link by itself.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn_object(text)}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn_object(clip(text, CONTEXT_TEXT_MAX))]}


def _field_text(f: Field) -> str:
    # Bold cannot span lines in mrkdwn, so a name is kept to one line; an empty one is left out.
    name = " ".join(mrkdwn(f.name).split())
    return f"*{name}*\n{mrkdwn(f.value)}" if name else mrkdwn(f.value)


def bar_line(bar: Bar) -> str:
    return f"`{bar.text(BAR_WIDTH)}` {bar.value}/{bar.total}  {mrkdwn(bar.label)}"


def _button(button: Button, index: int) -> dict[str, Any] | None:
    if len(button.command) > BUTTON_VALUE_MAX:
        return None  # a clipped command would run something else; better no button
    element: dict[str, Any] = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{index}",
        "text": {"type": "plain_text", "text": clip(plain(button.label), BUTTON_TEXT_MAX) or "…", "emoji": True},
        "value": button.command,
    }
    style = _STYLES.get(button.style)
    if style:
        element["style"] = style
    return element


def _actions(buttons: list[Button], block_id: str | None) -> list[dict[str, Any]]:
    elements = [e for e in (_button(b, i) for i, b in enumerate(buttons)) if e is not None]
    blocks = []
    for n, start in enumerate(range(0, len(elements), BUTTONS_PER_ACTIONS)):
        block: dict[str, Any] = {"type": "actions", "elements": elements[start:start + BUTTONS_PER_ACTIONS]}
        if block_id is not None:
            block["block_id"] = clip(f"{block_id}:{n}", BLOCK_ID_MAX)
        blocks.append(block)
    return blocks


def blocks_for(reply: Reply, *, limit: int = BLOCKS_MAX, actions_block_id: str | None = None) -> list[dict]:
    head: list[dict] = []
    if reply.title:
        head.append({"type": "header", "text": {"type": "plain_text", "text": clip(plain(reply.title), HEADER_MAX),
                                                "emoji": True}})
    body: list[dict] = []
    if reply.text:
        text = mrkdwn(reply.text)
        body += [_section(c) for c in chunks(f":warning: {text}" if reply.error else text)]
    if reply.error and reply.usage:
        body.append(_context(f"usage: `{escape(reply.usage)}`"))
    inline = [f for f in reply.fields if f.inline]
    for start in range(0, len(inline), FIELDS_PER_SECTION):
        body.append({"type": "section", "fields": [
            _mrkdwn_object(clip(_field_text(f), FIELD_TEXT_MAX))
            for f in inline[start:start + FIELDS_PER_SECTION]]})
    for f in reply.fields:
        if not f.inline:
            body += [_section(c) for c in chunks(_field_text(f))]
    if reply.bars:
        body += [_section(c) for c in chunks("\n".join(bar_line(b) for b in reply.bars))]
    if reply.image is not None:
        body.append(_context(f":bar_chart: {escape(reply.image.alt or reply.image.filename)} (attached below)"))
    tail = _actions(reply.buttons, actions_block_id)
    if reply.footer:
        tail.append(_context(mrkdwn(reply.footer)))
    room = limit - len(head) - len(tail)
    if len(body) > room:
        # Keep the buttons and footer; the middle gives way, and the reader is told.
        body = body[: max(0, room - 1)] + [_context("… more than Slack shows in one message.")]
    return head + body + tail


def fallback_text(reply: Reply) -> str:
    """The notification and screen-reader text that goes with the blocks."""
    if reply.error:
        text = Rich.of(reply.text, f"\nusage: {reply.usage}" if reply.usage else "")
    else:
        # What a notification or a screen reader needs; buttons and the footer would be noise there.
        lines: list[Content] = [x for x in (reply.title, reply.text) if x]
        lines += [Rich.of(f.name, ": ", f.value) for f in reply.fields]
        lines += [Rich.of(b.label, f": {b.value}/{b.total}") for b in reply.bars]
        text = Rich.of(*[Rich.of("\n", x) if i else x for i, x in enumerate(lines)]) if lines else reply.plain_text()
    return clip(render(text, FALLBACK), FALLBACK_MAX)


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict]
    ephemeral: bool

    @property
    def response_type(self) -> str:
        return "ephemeral" if self.ephemeral else "in_channel"


def message(reply: Reply) -> Message:
    return Message(text=fallback_text(reply), blocks=blocks_for(reply), ephemeral=reply.private or reply.error)


# -- forms ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FormState:
    """What a modal remembers in private_metadata: Slack hands it back, signed, on submit."""

    command: str
    given: dict[str, str]
    channel: str
    response_url: str | None = None

    def dump(self) -> str:
        return json.dumps({"c": self.command, "g": self.given, "ch": self.channel, "r": self.response_url},
                          separators=(",", ":"))

    @classmethod
    def load(cls, text: str) -> FormState:
        data = json.loads(text)
        return cls(command=data["c"], given=dict(data.get("g") or {}), channel=data["ch"], response_url=data.get("r"))


def modal(form: Form, state: FormState) -> dict[str, Any]:
    metadata = state.dump()
    if len(metadata) > PRIVATE_METADATA_MAX:
        raise ValueError("too much was typed before the form to carry it along")
    blocks = []
    for f in form.fields[:VIEW_BLOCKS_MAX]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": f.long,
                                   "max_length": max(1, min(f.max_length, MODAL_INPUT_MAX))}
        if f.placeholder:
            element["placeholder"] = {"type": "plain_text", "text": clip(f.placeholder, MODAL_PLACEHOLDER_MAX)}
        blocks.append({"type": "input", "block_id": f"f:{f.param}", "optional": not f.required,
                       "label": {"type": "plain_text", "text": clip(f.label, MODAL_LABEL_MAX) or f.param},
                       "element": element})
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": {"type": "plain_text", "text": clip(form.title, MODAL_TITLE_MAX) or "studybot"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": blocks,
    }


def answers(view: dict[str, Any], state: FormState) -> dict[str, str]:
    """What was given before the form opened, plus every field the person filled in."""
    values = dict(state.given)
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        if not block_id.startswith("f:"):
            continue
        value = ((actions or {}).get("value") or {}).get("value")
        if isinstance(value, str) and value.strip():
            values[block_id[2:]] = value.strip()
    return values


# -- App Home -------------------------------------------------------------------------------------

NO_GROUP = ("You are not in a study group yet. In your group's channel, type `/study join`; "
            "an organiser starts one with `/study group setup`.")


def home_view(dashboards: list[tuple[str, Reply]]) -> dict[str, Any]:
    """Each group's dashboard; a button's block_id names the group's channel, as the Home has none."""
    blocks: list[dict] = []
    for channel, reply in dashboards:
        part = blocks_for(reply, limit=VIEW_BLOCKS_MAX, actions_block_id=f"{HOME_BLOCK_PREFIX}{channel}")
        if len(blocks) + len(part) + 1 > VIEW_BLOCKS_MAX:
            break
        if blocks:
            blocks.append({"type": "divider"})
        blocks += part
    if not blocks:
        blocks = [_section(NO_GROUP)]
    return {"type": "home", "blocks": blocks}


def home_channel(block_id: str | None) -> str | None:
    """The channel a Home button belongs to, from its block_id (`home:C123:0`)."""
    if not block_id or not block_id.startswith(HOME_BLOCK_PREFIX):
        return None
    channel = block_id[len(HOME_BLOCK_PREFIX):].rpartition(":")[0]
    return channel or None
