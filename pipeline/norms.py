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
