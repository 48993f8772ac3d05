"""A core Reply as Slack Block Kit; a core Form as a modal; dashboards as the App Home.

Slack rejects the whole message when one block breaks a limit (`invalid_blocks`), so every length and
count is kept here rather than letting a long roadmap or leaderboard fail to send.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.commands.registry import Command, Param
from bot.domain.timeutil import DAY_NAMES
from bot.reply import Bar, Button, Field, Form, Reply
from bot.text import Content, Link, PlainRenderer, Rich, Stamp, Styled, join, render, utc_text

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
HOME_MAIN = "main"  # the block of a group's main actions on the Home tab
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


class _Fallback(_Mrkdwn):
    """The notification text: escaped like mrkdwn, moments in UTC (no <!date> in a notification)."""

    def stamp(self, stamp: Stamp) -> str:
        return escape(utc_text(stamp))


_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")
# PLAIN: parts as a plain_text object (headers, buttons, labels), shown as is.
MRKDWN, PLAIN, FALLBACK = _Mrkdwn(), PlainRenderer(), _Fallback()


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
        text = join("\n", lines) if lines else reply.plain_text()
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


def _chosen(action: dict[str, Any]) -> str | None:
    """What one element of a submitted view holds: typed text, a picked option, a time, a number."""
    if "selected_option" in action:
        return (action.get("selected_option") or {}).get("value")
    if "selected_options" in action:
        return ",".join(o.get("value", "") for o in action.get("selected_options") or []) or None
    if "selected_time" in action:
        return action.get("selected_time")
    return action.get("value")


def filled(view: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """block_id -> (parameter, value) of every field the person filled in."""
    out: dict[str, tuple[str, str]] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        prefix, _, param = block_id.partition(":")
        if prefix not in (FIELD_PREFIX, OTHER_PREFIX) or not param:
            continue
        value = _chosen((actions or {}).get("value") or {})
        if isinstance(value, str) and value.strip():
            out[block_id] = (param, value.strip())
    return out


def answers(view: dict[str, Any], state: FormState) -> dict[str, str]:
    """What was given before the form opened, plus every field the person filled in (a value typed
    in an "any other" field wins over the pick in the list above it)."""
    values = dict(state.given)
    found = filled(view)
    for prefix in (FIELD_PREFIX, OTHER_PREFIX):
        for block_id, (param, value) in found.items():
            if block_id.startswith(prefix + ":"):
                values[param] = value
    return values


def error_block(view: dict[str, Any], cmd: Command | None) -> str | None:
    """The field a refused submission is about: the first whose value the command's own declaration
    refuses (Param.convert), else the first field of the form."""
    if cmd is not None:
        for block_id, (name, value) in filled(view).items():
            param = cmd.param(name)
            if param is None:
                continue
            try:
                param.convert(value)
            except ValueError:
                return block_id
    inputs = [b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"]
    return inputs[0] if inputs else None


# -- the settings form (`group setup` with no parameters) ------------------------------------------

FIELD_PREFIX, OTHER_PREFIX = "f", "o"
MODAL_OPTIONS_MAX = 100
OPTION_TEXT_MAX = 75
SETUP_TITLE = "Set up the group"
OTHER_PLATFORMS = ("discord-",)  # settings of another platform (`discord-events`) have no place here
# Zones most groups are in; any other canonical zone can be typed under the list.
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
    "Europe/Rome", "Europe/Amsterdam", "Europe/Zurich", "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens",
    "Europe/Helsinki", "Europe/Kyiv", "Europe/Istanbul", "Europe/Moscow", "Africa/Lagos", "Africa/Cairo",
    "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka",
    "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei",
    "Asia/Tokyo", "Asia/Seoul", "Australia/Perth", "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland",
    "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Mexico_City",
    "America/Halifax", "America/Toronto", "America/New_York", "America/Chicago", "America/Denver",
    "America/Phoenix", "America/Los_Angeles", "America/Vancouver", "America/Anchorage", "Pacific/Honolulu",
)


def _text(text: str, limit: int = MODAL_LABEL_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or "…"}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _text(label, OPTION_TEXT_MAX), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], hint: str = "") -> dict[str, Any]:
    block = {"type": "input", "block_id": block_id, "optional": True, "label": _text(label),
             "element": {**element, "action_id": "value"}}
    if hint:
        block["hint"] = _text(hint)
    return block


def _select(options: list[tuple[str, str]], placeholder: str) -> dict[str, Any]:
    return {"type": "static_select", "placeholder": _text(placeholder, MODAL_PLACEHOLDER_MAX),
            "options": [_option(v, t) for v, t in options[:MODAL_OPTIONS_MAX]]}


def canonical_zones(param: Param) -> list[str]:
    """The common zones the core takes as they are spelled (it refuses aliases such as Europe/Kiev)."""
    out = []
    for name in COMMON_ZONES:
        try:
            if param.convert(name) == name:
                out.append(name)
        except ValueError:
            pass
    return out


def _setting(param: Param, roadmaps: list[tuple[str, str]]) -> list[dict[str, Any]]:
    block_id = f"{FIELD_PREFIX}:{param.name}"
    label = param.help or param.name
    if param.kind == "timezone":
        zones = canonical_zones(param)
        return [
            _input(block_id, label, _select([(z, z) for z in zones], "Pick a timezone")),
            _input(f"{OTHER_PREFIX}:{param.name}", "… or type any IANA timezone",
                   {"type": "plain_text_input", "max_length": param.max_length,
                    "placeholder": _text("e.g. America/Toronto", MODAL_PLACEHOLDER_MAX)},
                   hint="A place's zone as the IANA database spells it; it wins over the list."),
        ]
    if param.kind == "hhmm":
        return [_input(block_id, label, {"type": "timepicker", "placeholder": _text("HH:MM")})]
    if param.kind in ("choice", "weekday") and param.choices:
        options = [(c, DAY_NAMES.get(c, c)) for c in param.choices]
        return [_input(block_id, label, _select(options, f"Pick {param.name}"))]
    if param.name == "roadmap" and roadmaps:
        return [_input(block_id, label, _select([(n, f"{t} ({n})" if t else n) for n, t in roadmaps],
                                                "Pick a roadmap"))]
    if param.kind == "int":
        element: dict[str, Any] = {"type": "number_input", "is_decimal_allowed": False}
        if param.minimum is not None:
            element["min_value"] = str(param.minimum)
        if param.maximum is not None:
            element["max_value"] = str(param.maximum)
        return [_input(block_id, label, element)]
    return [_input(block_id, label, {"type": "plain_text_input", "max_length": max(1, param.max_length),
                                     "placeholder": _text(param.shape(), MODAL_PLACEHOLDER_MAX)})]


def settings_modal(cmd: Command, state: FormState, roadmaps: list[tuple[str, str]]) -> dict[str, Any]:
    """A command's keyword parameters as a form of pickers (`group setup`: timezone, times, day,
    roadmap, pace), built from its one declaration; what is left empty keeps its current value."""
    blocks: list[dict[str, Any]] = [_context(escape(f"Empty fields keep their current setting. {cmd.details}".strip()))]
    for param in cmd.params:
        if param.keyword and not param.name.startswith(OTHER_PLATFORMS):
            blocks += _setting(param, roadmaps)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _text(SETUP_TITLE, MODAL_TITLE_MAX),
        "submit": _text("Save"),
        "close": _text("Cancel"),
        "private_metadata": state.dump(),
        "blocks": blocks[:VIEW_BLOCKS_MAX],
    }


# -- App Home -------------------------------------------------------------------------------------

NO_GROUP = ("You are not in a study group yet. In your group's channel, type `/study join`; "
            "an organiser starts one with `/study group setup`.")


def home_view(dashboards: list[tuple[str, Reply]], actions: list[Button] | None = None, *,
              alone: list[Button] | None = None, dm_channel: str = "") -> dict[str, Any]:
    """Each group's dashboard, then a row of its main `actions`; a button's block_id names the group's
    channel, as the Home has none. Someone in no group gets the `alone` buttons, run in their DM."""
    blocks: list[dict] = []
    for channel, reply in dashboards:
        part = blocks_for(reply, limit=VIEW_BLOCKS_MAX - 1, actions_block_id=f"{HOME_BLOCK_PREFIX}{channel}")
        if actions:
            part += _actions(actions, f"{HOME_BLOCK_PREFIX}{channel}:{HOME_MAIN}")[:1]
        if len(blocks) + len(part) + 1 > VIEW_BLOCKS_MAX:
            break
        if blocks:
            blocks.append({"type": "divider"})
        blocks += part
    if not blocks:
        blocks = [_section(NO_GROUP)]
        if alone and dm_channel:
            blocks += _actions(alone, f"{HOME_BLOCK_PREFIX}{dm_channel}:{HOME_MAIN}")[:1]
    return {"type": "home", "blocks": blocks}


def home_channel(block_id: str | None) -> str | None:
    """The channel a Home button belongs to, from its block_id (`home:C123:0`, `home:C123:main:0`)."""
    if not block_id or not block_id.startswith(HOME_BLOCK_PREFIX):
        return None
    channel = block_id[len(HOME_BLOCK_PREFIX):].split(":")[0]
    return channel or None
