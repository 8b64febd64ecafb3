"""Bytes of a report to text: UTF-8, or GB18030/GBK when that reading is confidently Chinese.

`decode_bytes` returns (text, encoding) or raises `Undecodable` with an error kind. A UTF-16 or
UTF-32 byte-order mark (what Windows Notepad writes as "Unicode") names the encoding outright.


- "binary": a NUL byte, or many control bytes: not a text file at all.
- "decode": neither UTF-8 nor a confident GB18030 reading.

GB18030 (a superset of GBK and GB2312) can decode many byte strings that are not Chinese text at
all (Latin-1 text, for instance, often pairs up into rare characters), so a GB18030 reading is
accepted only when it looks like a Chinese report: it decodes strictly, has no control characters
other than whitespace, contains at least one CJK ideograph, and at least 90% of its ideographs are
in GB2312 (the 6,763 everyday characters every real report is written in almost entirely).
"""

from __future__ import annotations

import codecs
import re
from collections import Counter

GB_COMMON_SHARE = 0.9
BINARY_CONTROL_SHARE = 0.1
_TEXT_CONTROLS = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in _TEXT_CONTROLS)
_CONTROL_CHARS = re.compile("[" + "".join(chr(b) for b in _CONTROL_BYTES) + "\x7f-\x9f]")
# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")


class Undecodable(ValueError):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _confident_gb18030(data: bytes) -> str | None:
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    if _CONTROL_CHARS.search(text):
        return None
    ideographs = Counter(_IDEOGRAPH.findall(text))
    if not ideographs:
        return None
    common = 0
    for ch, n in ideographs.items():
        try:
            ch.encode("gb2312")
            common += n
        except UnicodeEncodeError:
            pass
    return text if common >= GB_COMMON_SHARE * ideographs.total() else None


def decode_utf8(data: bytes) -> str:
    """UTF-8 text without its byte-order mark; UnicodeDecodeError if DATA is not UTF-8."""
    text = data.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a document's bytes; a byte-order mark is dropped."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(name)  # the codec reads the mark and drops it
            except UnicodeDecodeError as err:
                raise Undecodable("decode", f"starts with a {name.upper()} byte-order mark but is not {name.upper()} "
                                            f"(byte {err.start}: {err.reason})") from None
            controls = len(_CONTROL_CHARS.findall(text))
            if text and controls / len(text) > BINARY_CONTROL_SHARE:
                raise Undecodable("binary", f"binary file ({controls} control characters in {len(text)}), not text")
            return text, name
    if b"\x00" in data:
        raise Undecodable("binary", "binary file (contains NUL bytes), not text")
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if data and controls / len(data) > BINARY_CONTROL_SHARE:
        raise Undecodable("binary", f"binary file ({controls} control bytes in {len(data)}), not text")
    try:
        return decode_utf8(data), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    text = _confident_gb18030(data)
    if text is not None:
        return text, "gb18030"
    raise Undecodable("decode", f"not UTF-8 (byte {utf8_error.start}: {utf8_error.reason}) "
                                "and not confidently GB18030/GBK Chinese text")
