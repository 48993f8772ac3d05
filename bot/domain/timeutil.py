"""Parsing and arithmetic for the times people type: zones, HH:MM, weekdays, durations."""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun", "tues": "tue", "thur": "thu",
    "thurs": "thu", "weds": "wed",
}
# [0-9], never \d: \d (and int()) also take other scripts' digits ('٣'), which a person cannot tell apart
# from what we would print back, so every number people type is written with ASCII digits.
_DURATION_PART = re.compile(r"([0-9]+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


UTC_NAME = "UTC"
# What people type for a zone that is not a place: an abbreviation (which tzdata either lacks or, like
# EST, links to a fixed offset that ignores daylight saving), mapped to the place most of them mean.
_ABBREVIATIONS = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York", "eastern": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago", "central": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver", "mountain": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "akst": "America/Anchorage", "akdt": "America/Anchorage",
    "hst": "Pacific/Honolulu", "ast": "America/Halifax", "adt": "America/Halifax", "nst": "America/St_Johns",
    "gmt": UTC_NAME, "z": UTC_NAME, "zulu": UTC_NAME, "universal": UTC_NAME, "utc0": UTC_NAME,
    "bst": "Europe/London", "ist": "Asia/Kolkata", "wet": "Europe/Lisbon", "west": "Europe/Lisbon",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "met": "Europe/Paris", "eet": "Europe/Athens",
    "eest": "Europe/Athens", "msk": "Europe/Moscow", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "acst": "Australia/Adelaide", "awst": "Australia/Perth", "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland", "brt": "America/Sao_Paulo", "art": "America/Argentina/Buenos_Aires",
    "wat": "Africa/Lagos", "cat": "Africa/Maputo", "eat": "Africa/Nairobi", "pkt": "Asia/Karachi",
    "est5edt": "America/New_York", "cst6cdt": "America/Chicago", "mst7mdt": "America/Denver",
    "pst8pdt": "America/Los_Angeles",
}
_EXAMPLES = "for example Europe/Paris, America/New_York or UTC"


def _tzdata(name: str) -> str:
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """The canonical IANA zones: the places of zone.tab and zone1970.tab (as the tzdata package ships
    them), and UTC. Not `localtime` or `Factory` (names a system may have), not backward links such as
    US/Eastern, not fixed offsets such as EST or Etc/GMT+5 that ignore daylight saving."""
    names = {UTC_NAME}
    for table in ("zone1970.tab", "zone.tab"):
        for line in _tzdata(table).splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("\t")[2])
    return tuple(sorted(names))


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in all_timezones()}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Every other name a person may type (lower case) -> the canonical zone we suggest instead."""
    canonical = _zones_by_lower()
    links: dict[str, str] = {}
    for line in _tzdata("tzdata.zi").splitlines():  # "L TARGET LINK": LINK is another name of TARGET
        if line.startswith("L "):
            _, target, link = line.split()
            links[link.lower()] = target
    out: dict[str, str] = {}
    for name, target in links.items():
        while target.lower() in links and target.lower() not in canonical:  # a link to a link
            target = links[target.lower()]
        if target.lower() in canonical:
            out[name] = canonical[target.lower()]
        elif target.lower().startswith("etc/"):  # Etc/UTC and friends: the one we keep is UTC
            out[name] = UTC_NAME
    out.update({f"etc/{n}": UTC_NAME for n in ("utc", "gmt", "uct", "universal", "zulu", "gmt0", "gmt+0", "gmt-0")})
    out.update(_ABBREVIATIONS)  # EST means New York to a person, not the Panama tzdata links it to
    return out


def suggest_timezone(text: str) -> str | None:
    """The canonical zone someone most likely meant by a name that is not one, if any."""
    key = text.strip().lower()
    if key in _aliases():
        return _aliases()[key]
    by_lower = _zones_by_lower()
    near = difflib.get_close_matches(key, list(by_lower), n=1, cutoff=0.75)
    if near:
        return by_lower[near[0]]
    # Only the city ("paris", "new york"): the zone whose last part it is.
    city = key.replace(" ", "_")
    for lower, name in by_lower.items():
        if lower.rsplit("/", 1)[-1] == city:
            return name
    return None


def parse_timezone(text: str) -> str:
    """A canonical IANA zone, in its canonical spelling ('europe/paris' -> 'Europe/Paris'); anything
    else is refused with the zone the person probably meant ('EST' -> America/New_York)."""
    name = _zones_by_lower().get(text.strip().lower())
    if name is not None:
        return name
    shown = " ".join(text.split())[:40]
    near = suggest_timezone(text)
    if near is not None:
        raise ValueError(f"'{shown}' is not an IANA timezone of a place; did you mean {near}?")
    raise ValueError(f"'{shown}' is not an IANA timezone ({_EXAMPLES})")


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_hhmm(text: str) -> time:
    m = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a time of day as HH:MM (for example 09:00)")
    return time(int(m.group(1)), int(m.group(2)))


def parse_time_range(text: str) -> tuple[time, time]:
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not a range as HH:MM-HH:MM (for example 18:00-20:00)")
    start, end = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    if end <= start:
        raise ValueError(f"'{text}': the end must come after the start on the same day")
    return start, end


def parse_weekday(text: str) -> str:
    key = text.strip().lower()
    key = _DAY_ALIASES.get(key, key)
    if key not in WEEKDAYS:
        raise ValueError(f"'{text}' is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
    return key


def parse_weekdays(text: str) -> tuple[str, ...]:
    days = [parse_weekday(part) for part in re.split(r"[,\s]+", text.strip()) if part]
    if not days:
        raise ValueError("name at least one weekday, for example mon,wed,fri")
    return tuple(sorted(set(days), key=WEEKDAYS.index))


def parse_duration(text: str) -> timedelta:
    """'1d2h30m' -> timedelta; a bare number is not accepted (the unit matters)."""
    cleaned = text.strip().lower()
    if not cleaned or _DURATION_PART.sub("", cleaned) != "":
        raise ValueError(f"'{text}' is not a duration such as 30m, 2h, 1d or 1d2h30m")
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(cleaned))
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:  # '9999999999999w': a clear refusal, not an internal error
        raise ValueError(f"'{text[:40]}' is longer than any duration this bot can count") from None


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


@lru_cache(maxsize=4096)
def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` starts in `tz` (asked for on every solve, so remembered)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
             "sat": "Saturday", "sun": "Sunday"}


def day_name(day: str, plural: bool = False) -> str:
    """'sun' -> 'Sunday' (or 'Sundays', for something that happens every week on that day)."""
    name = DAY_NAMES[parse_weekday(day)]
    return name + "s" if plural else name


def days_in_words(days: tuple[str, ...] | list[str], plural: bool = True) -> str:
    """Weekdays as a person writes them: 'Saturdays', 'Mondays and Thursdays', 'Mondays, Wednesdays and
    Fridays', a run of three or more as 'Mondays to Fridays', all seven as 'every day', none as 'no day'."""
    keys = sorted({parse_weekday(d) for d in days}, key=WEEKDAYS.index)
    if not keys:
        return "no day"
    if len(keys) == 7:
        return "every day"
    idx = [WEEKDAYS.index(k) for k in keys]
    if len(idx) >= 3 and idx == list(range(idx[0], idx[0] + len(idx))):
        return f"{day_name(keys[0], plural)} to {day_name(keys[-1], plural)}"
    names = [day_name(k, plural) for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def weekly_at(day: str, at: time) -> str:
    """A weekly time on the clock of whoever set it: 'Sundays 18:00'."""
    return f"{day_name(day, plural=True)} {at:%H:%M}"
