"""zxie: information extraction for Chinese CPPCC and local-government news."""

__version__ = "0.1.0"


def load(model=None, **kwargs):
    """The spaCy `Language` of a zxie model: the shipped default model, or the directory `model`
    (also `$ZXIE_MODEL`). `spacy.load(path)` opens the same directory."""
    import spacy

    from zxie.extract import check_model

    return spacy.load(check_model(model), **kwargs)
