"""spaCy components of the zxie pipeline, registered as factories."""
