"""`zxie_norms`: fills `ent._.norm` for METRIC (GUIDELINES §5) and DATE (ISO 8601) entities.

Invisible format characters (zero-width spaces and joiners, soft hyphens: Unicode category Cf)
inside a mention are not part of its value or unit, and are left out before parsing.
"""

from __future__ import annotations

import unicodedata

from spacy.language import Language
from spacy.tokens import Doc, Span

from zxie.norms import NormError, parse_date, parse_metric

if not Span.has_extension("norm"):
    Span.set_extension("norm", default=None)


def visible(text: str) -> str:
    """TEXT without format characters (category Cf: U+200B-U+200F, U+2060, U+FEFF, U+00AD, ...)."""
    if text.isprintable():  # no Cf character is printable: nothing to leave out
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@Language.factory("zxie_norms", default_config={"metric_label": "METRIC", "date_label": "DATE"})
def make_norms(nlp: Language, name: str, metric_label: str, date_label: str):
    return NormFiller(metric_label, date_label)


class NormFiller:
    def __init__(self, metric_label: str, date_label: str):
        self.metric_label, self.date_label = metric_label, date_label

    def __call__(self, doc: Doc) -> Doc:
        for ent in doc.ents:
            if ent.label_ == self.metric_label:
                try:
                    ent._.norm = parse_metric(visible(ent.text))
                except NormError:
                    ent._.norm = None  # a METRIC whose number cannot be read (reported by extract)
            elif ent.label_ == self.date_label:
                ent._.norm = parse_date(visible(ent.text))
        return doc
