"""The project's exceptions. Each message says what went wrong and what to do next.

Only the edges (the CLI and the web app) turn them into a message for the user.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error ``qa`` raises on purpose."""


class CorpusError(QAError):
    """The corpus folder is missing, empty, or holds no readable article."""


class QuestionError(QAError, ValueError):
    """The question cannot be asked: empty, too long, not English, control characters or text that is not
    valid (lone surrogates), or an ask's options are wrong (``top_k`` out of range, ``history`` of the
    wrong shape)."""


class IndexStoreError(QAError):
    """The index on disk cannot be used and cannot be rebuilt or updated (e.g. the folder is not writable)."""


class ReaderError(QAError):
    """The trained reader's weights are missing or damaged."""
