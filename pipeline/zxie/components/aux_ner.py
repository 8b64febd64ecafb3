"""`zxie_aux_ner`: a BILUO tagger for another corpus's own label set, trained beside our NER.

The public NER corpora (MSRA news, Resume, Weibo, CLUENER) do not follow our guidelines, and
mapping their labels onto ours cost precision (models/README.md). So each corpus gets its own
output head on the shared tok2vec instead: `aux_msra` learns MSRA's PER/LOC/ORG, `aux_resume`
Resume's NAME/TITLE/..., and so on, while `ner` keeps our labels. Through the shared tok2vec the
encoder learns names, places and titles from ~25,000 sentences nobody here wrote.

A head learns only from documents of its own corpus: their gold is the span group
`doc.spans[spans_key]` of the reference Doc (fully annotated for that corpus's labels, so an
unmarked character is O). A document without that group (our gold, another corpus) is missing
for the head: no gradient. The other way round, a general-corpus document has no `doc.ents`
annotation (every token missing), so it gives `ner` no gradient either.

The heads exist for training only: `zxie train` removes them before the model is saved, so they
cost nothing at run time. In a pipeline they write their predictions to `doc.spans[spans_key]`.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Span
from spacy.training import offsets_to_biluo_tags, validate_get_examples
from thinc.api import Model

from zxie.components.tag_ner import DEFAULT_MODEL, TagNER, biluo_tags


@Language.factory(
    "zxie_aux_ner",
    assigns=[],
    default_config={"model": DEFAULT_MODEL, "labels": [], "spans_key": "aux"},
    default_score_weights={},
)
def make_aux_ner(nlp: Language, name: str, model: Model, labels: list[str], spans_key: str):
    """`labels`: the corpus's labels; empty (the default): those its training documents use."""
    return AuxTagNER(nlp.vocab, model, name, labels=labels, spans_key=spans_key)


class AuxTagNER(TagNER):
    """A TagNER whose gold is `doc.spans[spans_key]` and whose documents are only those that have it."""

    def __init__(self, vocab, model, name="aux", *, labels, spans_key):
        super().__init__(vocab, model, name)
        self.cfg["spans_key"] = spans_key
        self.cfg["labels"] = list(labels)
        self.cfg["tags"] = biluo_tags(self.cfg["labels"])

    @property
    def spans_key(self) -> str:
        return self.cfg["spans_key"]

    def annotated(self, eg) -> bool:
        return self.spans_key in eg.reference.spans

    def gold_tags(self, eg) -> list[str | None]:
        """BILUO tags of eg.x from the reference's span group; all None when it has none."""
        if not self.annotated(eg):
            return [None] * len(eg.x)
        offsets = [(s.start_char, s.end_char, s.label_) for s in eg.reference.spans[self.spans_key]]
        tags = offsets_to_biluo_tags(eg.x, offsets, missing="O")
        # a span that does not fall on token boundaries gives "-": missing, not a wrong tag
        return [None if t == "-" else t for t in tags]

    def initialize(self, get_examples, *, nlp=None, labels=None):
        validate_get_examples(get_examples, "AuxTagNER.initialize")
        if not labels and not self.labels:
            labels = sorted({s.label_ for eg in get_examples() for s in eg.reference.spans.get(self.spans_key, [])})
        if not (labels or self.labels) or not any(self.annotated(eg) for eg in get_examples()):
            raise ValueError(f"component '{self.name}': no training document has labelled doc.spans['{self.spans_key}']")
        super().initialize(get_examples, nlp=nlp, labels=labels or None)

    def set_annotations(self, docs, scores):
        for doc, probs in zip(docs, scores):
            doc.spans[self.spans_key] = [Span(doc, a, b, label=label) for a, b, label in self.decode(probs)]

    def score(self, examples, **kwargs):
        return {}
