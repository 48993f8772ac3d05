"""Parsing and arithmetic for the times people type: zones, HH:MM, weekdays, durations."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun", "tues": "tue", "thur": "thu",
    "thurs": "thu", "weds": "wed",
}
_DURATION_PART = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in all_timezones()}


def parse_timezone(text: str) -> str:
    """An IANA zone name, with its canonical spelling ('europe/paris' -> 'Europe/Paris')."""
    name = _zones_by_lower().get(text.strip().lower())
    if name is None:
        raise ValueError(f"'{text}' is not an IANA timezone (for example Europe/Paris or America/New_York)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - tzdata always ships them
        raise ValueError(f"'{text}' is not an IANA timezone") from exc
    return name


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_hhmm(text: str) -> time:
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
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
    return timedelta(seconds=seconds)


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()


@lru_cache(maxsize=4096)
def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant at which `day` starts in `tz` (asked for on every solve, so remembered)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]
