"""Offline question answering over news articles, with verbatim answers and citations.

>>> import qa
>>> ans = qa.ask("Who leads the rebel coalition?")  # doctest: +SKIP
>>> ans.text, ans.citations[0].source  # doctest: +SKIP
('…the short answer…', '…the article file…')
"""

from __future__ import annotations

import os
import threading

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .datatypes import Answer, Chunk, Citation, Document, Passage, UpdateReport  # noqa: E402
from .errors import CorpusError, IndexStoreError, QAError, QuestionError, ReaderError  # noqa: E402
from .pipeline import QA  # noqa: E402
from .settings import Settings  # noqa: E402

_default: QA | None = None
_default_lock = threading.Lock()


def default() -> QA:
    """The shared ``QA`` over the default corpus (``seeds/``) and index (``index/``)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = QA()
        return _default


def ask(question: str, history=None, **kwargs) -> Answer:
    """Answer ``question`` from the default corpus. See ``QA.ask``."""
    return default().ask(question, history=history, **kwargs)


def extract(question: str, context: str) -> Answer:
    """The answer to ``question`` in a passage you give, read by the trained reader. See ``qa.reader.extract``."""
    from .reader import extract as _extract  # torch loads on first use, not on `import qa`

    return _extract(question, context)


__all__ = ["QA", "Answer", "Citation", "Chunk", "Document", "Passage", "UpdateReport", "Settings",
           "QAError", "QuestionError", "CorpusError", "IndexStoreError", "ReaderError", "ask", "extract", "default"]
