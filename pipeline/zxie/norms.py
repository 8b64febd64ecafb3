"""Normalised values of METRIC mentions (GUIDELINES §5).

`parse_metric("约8.2万元")` → {"value": 82000, "unit": "元", "qualifier": "approx"}. The value applies
multipliers (万/亿/千) and reads Chinese numerals; the unit is what remains after the number and
multiplier; the qualifier comes from the words around the number.
"""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
MULTIPLIERS = {"万": 10_000, "亿": 100_000_000, "千": 1000}
# Longest first, so 超过 wins over 超.
PREFIXES = {
    "大约": "approx", "约": "approx", "近": "approx",
    "超过": "more_than", "突破": "more_than", "超": "more_than", "逾": "more_than",
    "不到": "less_than", "不足": "less_than",
}
AFTER_NUMBER = {"余": "more_than", "多": "more_than"}
SUFFIXES = {"以上": "more_than", "左右": "approx", "以下": "less_than"}
VAGUE = {"数十": 10, "数百": 100, "数千": 1000, "数万": 10_000}

_FULLWIDTH = str.maketrans("０１２３４５６７８９．％，", "0123456789.%,")
_ARABIC = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_CHINESE = re.compile(f"[{''.join(DIGITS)}{''.join(SMALL_UNITS)}]+")


class NormError(ValueError):
    pass


def chinese_number(text: str) -> int:
    """Value of a Chinese numeral below 10,000: 两 → 2, 二十 → 20, 十五 → 15, 一百零五 → 105."""
    total, digit = 0, None
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char] if digit is None else digit * 10 + DIGITS[char]
        else:
            total += (1 if digit is None else digit) * SMALL_UNITS[char]
            digit = None
    return total + (digit or 0)


def _clean(value: float) -> int | float:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


def parse_metric(surface: str) -> dict:
    """Parse a METRIC mention into {"value", "unit", "qualifier"}; raises NormError."""
    s = "".join(surface.split()).translate(_FULLWIDTH)
    qualifier = "exact"
    for word, qual in PREFIXES.items():
        if s.startswith(word):
            s, qualifier = s[len(word):], qual
            break
    for word, base in VAGUE.items():
        if s.startswith(word):
            value, rest, qualifier = base, s[len(word):], "more_than"
            break
    else:
        m = _ARABIC.match(s)
        if m:
            value, rest = float(m.group().replace(",", "")), s[m.end():]
        else:
            m = _CHINESE.match(s)
            if not m:
                raise NormError(f"no number in METRIC {surface!r}")
            value, rest = chinese_number(m.group()), s[m.end():]
    if rest[:1] in AFTER_NUMBER:
        qualifier, rest = AFTER_NUMBER[rest[0]], rest[1:]
    if rest[:1] in MULTIPLIERS and len(rest) > 1 or rest in ("万", "亿"):
        value, rest = value * MULTIPLIERS[rest[0]], rest[1:]
        if rest[:1] in AFTER_NUMBER:
            qualifier, rest = AFTER_NUMBER[rest[0]], rest[1:]
    for word, qual in SUFFIXES.items():
        if rest.endswith(word) and len(rest) > len(word):
            rest, qualifier = rest[: -len(word)], qual
            break
    if not rest:
        raise NormError(f"no unit in METRIC {surface!r}")
    return {"value": _clean(value), "unit": rest, "qualifier": qualifier}


# --- DATE ------------------------------------------------------------------------------------
# ISO 8601 where the text fixes the date: 2024年 → 2024, 2024年8月26日 → 2024-08-26,
# 8月26日 → --08-26 (no year given), 1月12日至15日 → --01-12/--01-15, 2023年以来 → 2023/..,
# 十四五 → 2021/2025 (the plan period). Relative dates (今年, 上半年) have no ISO form: None.

_NUM = r"(\d+|[〇零一二两三四五六七八九十]+)"
_DATE = re.compile(
    rf"^(?:(?P<year>\d{{4}}|[〇零一二三四五六七八九]{{4}})年度?)?(?:(?P<month>{_NUM})月份?)?(?:(?P<day>{_NUM})[日号])?"
)
_PLANS = {"十三五": "2016/2020", "十四五": "2021/2025", "十五五": "2026/2030"}
_SINCE = ("以来",)
_RANGE = "至到—-~"
_BARE_DAY = re.compile(rf"{_NUM}[日号]")
# Parts of a day or month that ISO 8601 cannot say: the date they belong to is kept.
_PART_OF = ("上午", "下午", "晚上", "中旬", "上旬", "下旬", "底", "初", "末")


def _int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(c in DIGITS for c in text):  # 二〇二四
        return int("".join(str(DIGITS[c]) for c in text))
    return chinese_number(text)


def _iso_point(text: str) -> tuple[str | None, str]:
    """ISO form of the date at the start of text, and the rest of the text."""
    m = _DATE.match(text)
    if not m or not m.group(0):
        return None, text
    year, month, day = (m.group(k) for k in ("year", "month", "day"))
    parts = [f"{_int(year):04d}" if year else "-"]
    if month:
        parts.append(f"{_int(month):02d}")
        if day:
            parts.append(f"{_int(day):02d}")
    elif day:
        return None, text
    iso = "-".join(parts)
    return (None if iso == "-" else iso), text[m.end():]


def parse_date(surface: str) -> dict | None:
    """{"iso": ...} for a DATE mention whose text fixes it, else None. A relative year (今年9月份)
    leaves the month and day: --09."""
    s = "".join(surface.split())
    if s in _PLANS:
        return {"iso": _PLANS[s]}
    s = s.removeprefix("今年").removeprefix("本年")
    start, rest = _iso_point(s)
    if start is None:
        return None
    if rest and rest[0] in _RANGE:
        tail = rest[1:]
        day = _BARE_DAY.fullmatch(tail)
        if day and re.search(r"\d{2}-\d{2}$", start):
            end = f"{start.rsplit('-', 1)[0]}-{_int(day.group(1)):02d}"  # 1月12日至15日
        else:
            end, leftover = _iso_point(tail)
            if end is None or leftover:
                return None
            if end.startswith("--") and not start.startswith("--"):
                end = start[:4] + end[1:]  # the year carries over
        return {"iso": f"{start}/{end}"}
    if rest in _SINCE:
        return {"iso": f"{start}/.."}
    if rest and rest not in _PART_OF:
        return None
    return {"iso": start}
