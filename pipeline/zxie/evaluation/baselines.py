"""Baselines for the evaluation table: what a user would have without the trained model.

`jieba`: jieba.posseg's part-of-speech tags mapped to our labels:

| jieba tag                         | label   |
|-----------------------------------|---------|
| nr, nrfg, nrt (person names)      | PERSON  |
| ns (place names)                  | REGION  |
| nt (organisation names)           | ORG     |
| t (time words)                    | DATE    |
| m (numerals), with a following q  | METRIC  |
| a run of m ending in 年/月/日/号    | DATE    |

jieba tags dates such as 2024年8月26日 as numerals (m), hence the last row. Adjacent tokens mapped to
the same label form one mention. Every other tag is outside any entity. Relations: none.

`gazetteer`: built only from the training split of the gold. Every training mention's surface
string with its most frequent label is looked up in the text (longest match first, left to right,
no overlaps, strings of at least two characters); on top of that, a DATE rule (year/month/day
patterns) and a METRIC rule (a number, with an optional multiplier, followed by one of the units
seen in training METRIC norms). Relations: none.

Both fill norms the way the model does (zxie.norms), so norm accuracy is comparable.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict

from zxie.norms import NormError, parse_date, parse_metric

JIEBA_TAGS = {"nr": "PERSON", "nrfg": "PERSON", "nrt": "PERSON", "ns": "REGION", "nt": "ORG", "t": "DATE", "m": "METRIC"}
DATE_ENDINGS = ("年", "月", "日", "号")
BASELINES = ("jieba", "gazetteer")


def _with_norms(text: str, spans: list[tuple[int, int, str]], doc_id: str) -> dict:
    ents = []
    for start, end, label in sorted(spans):
        e = {"id": len(ents) + 1, "label": label, "start_offset": start, "end_offset": end}
        if label == "METRIC":
            try:
                e["norm"] = parse_metric(text[start:end])
            except NormError:
                continue  # as the model's records: a METRIC without a readable number is dropped
        elif label == "DATE":
            norm = parse_date(text[start:end])
            if norm is not None:
                e["norm"] = norm
        ents.append(e)
    return {"id": doc_id, "entities": ents, "relations": []}


class JiebaBaseline:
    name = "baseline:jieba"

    def __init__(self):
        import jieba

        jieba.setLogLevel(logging.WARNING)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        import jieba.posseg as pseg

        tokens, pos = [], 0
        for pair in pseg.cut(text):
            tokens.append((pos, pos + len(pair.word), pair.word, pair.flag))
            pos += len(pair.word)
        out: list[list] = []
        prev_flag = None
        for start, end, word, flag in tokens:
            label = JIEBA_TAGS.get(flag)
            if flag == "q" and prev_flag == "m" and out and out[-1][2] == "METRIC" and out[-1][1] == start:
                label = "METRIC"
            prev_flag = flag
            if label is None or not word.strip():
                continue
            if out and out[-1][1] == start and out[-1][2] == label:
                out[-1][1] = end
                out[-1][3] += word
            else:
                out.append([start, end, label, word])
        for span in out:
            if span[2] == "METRIC" and span[3].endswith(DATE_ENDINGS):
                span[2] = "DATE"
        return [(s, e, label) for s, e, label, _ in out]

    def predict(self, sections: list[dict], progress: bool = False) -> list[dict]:
        return [_with_norms(s["text"], self.spans(s["text"]), s["id"]) for s in sections]


_NUMBER = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
_DATE = re.compile(r"(?:\d{4}年(?:\d{1,2}月(?:\d{1,2}[日号])?)?|\d{1,2}月\d{1,2}[日号]|\d{1,2}月份?|[一二三四五六七八九十]+月[一二三四五六七八九十]+日)")


class GazetteerBaseline:
    """Mentions of the gold training split looked up verbatim, plus DATE and METRIC rules."""

    name = "baseline:gazetteer"

    def __init__(self, train_sections: list[dict], min_length: int = 2):
        labels: dict[str, Counter] = defaultdict(Counter)
        units: Counter = Counter()
        for sec in train_sections:
            for e in sec["entities"]:
                surface = sec["text"][e["start_offset"]:e["end_offset"]]
                if len(surface) >= min_length and "\n" not in surface:
                    labels[surface][e["label"]] += 1
                if e["label"] == "METRIC" and (e.get("norm") or {}).get("unit"):
                    units[e["norm"]["unit"]] += 1
        if not labels:
            raise ValueError("the gazetteer baseline needs gold training sections with entities")
        self.lexicon = {s: c.most_common(1)[0][0] for s, c in labels.items()}
        self.units = sorted(units, key=len, reverse=True)
        self.max_len = max(map(len, self.lexicon))
        unit_alt = "|".join(map(re.escape, self.units)) or "个"
        self.metric = re.compile(rf"(?:约|近|超过|逾)?{_NUMBER}(?:余|多)?[万亿千]?(?:{unit_alt})")

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        taken = [False] * len(text)
        out = []

        def claim(start: int, end: int, label: str) -> None:
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                out.append((start, end, label))

        for rx, label in ((_DATE, "DATE"), (self.metric, "METRIC")):
            for m in rx.finditer(text):
                claim(m.start(), m.end(), label)
        i = 0
        while i < len(text):
            for n in range(min(self.max_len, len(text) - i), 1, -1):
                label = self.lexicon.get(text[i:i + n])
                if label is not None and not any(taken[i:i + n]):
                    claim(i, i + n, label)
                    i += n - 1
                    break
            i += 1
        return out

    def predict(self, sections: list[dict], progress: bool = False) -> list[dict]:
        return [_with_norms(s["text"], self.spans(s["text"]), s["id"]) for s in sections]


def make_baseline(name: str, train_sections: list[dict]):
    if name == "jieba":
        return JiebaBaseline()
    if name == "gazetteer":
        return GazetteerBaseline(train_sections)
    raise ValueError(f"unknown baseline {name!r}: choose from {', '.join(BASELINES)}")
