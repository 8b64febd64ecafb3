"""The errors of the annotation loop: each one a single line a person can act on."""

from __future__ import annotations


class AnnotateError(Exception):
    """A failure of the annotation loop; str() is one clear line."""


class ServerDown(AnnotateError):
    pass


class AuthFailed(AnnotateError):
    pass


class ProjectMissing(AnnotateError):
    pass


class LabelMismatch(AnnotateError):
    pass
