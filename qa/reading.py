"""Reading articles: files in a folder -> cleaned ``Document``s with title and date.

HTML (by extension *or* by content: a ``.txt`` full of ``<a href>`` tags counts) is stripped of
tags and its entities decoded. Empty, binary and undecodable files are skipped and reported,
never dropped silently.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from datetime import date as _date
from html.parser import HTMLParser
from pathlib import Path

from .datatypes import Document
from .errors import CorpusError

log = logging.getLogger(__name__)

EXTENSIONS = (".txt", ".md", ".html", ".htm")
MAX_FILE_BYTES = 20_000_000

_MONTHS = {
    m: i
    for i, ms in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
    for m in (ms,)
}
_MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MDY = re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}}),?\s+(\d{{4}})\b")
_DMY = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE}),?\s+(\d{{4}})\b")
_DATE_PREFIX = re.compile(r"^\s*date[:\s]\s*(\d{4}-\d{2}-\d{2})\s*", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_LOOKS_HTML = re.compile(r"<(?:a\s|/a>|p>|/p>|br\s*/?>|div|span|b>|/b>|i>|html|body|h[1-6]|script|img\s)", re.I)
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
               "section", "article", "header", "footer", "blockquote", "title"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self._skip = 0
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS and tag != "head":
            self._skip += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and tag != "head" and self._skip:
            self._skip -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if "title" in self._in:
            self.title_parts.append(data)
            return
        if "h1" in self._in:
            self.h1_parts.append(data)
        self.parts.append(data)


def clean_html(raw: str) -> tuple[str, str]:
    """Strip tags (dropping script/style content) and decode entities.

    Returns ``(text, title)``; the title comes from ``<title>`` or the first ``<h1>``.

    >>> clean_html('<p>Rebels <a href="x">took</a> the town &amp; the airport.</p>')[0]
    'Rebels took the town & the airport.'
    """
    p = _TextExtractor()
    p.feed(raw)
    p.close()
    text = html.unescape("".join(p.parts))
    title = " ".join("".join(p.title_parts or p.h1_parts).split())
    return normalize_whitespace(text), html.unescape(title)


def normalize_whitespace(text: str) -> str:
    """Unify newlines, collapse runs of spaces, keep paragraph breaks, trim."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def parse_date(text: str) -> str | None:
    """The first date written as 2024-12-04, December 4, 2024 or 4 December 2024, in ISO form."""
    found = []
    for m in _ISO_DATE.finditer(text):
        found.append((m.start(), int(m[1]), int(m[2]), int(m[3])))
    for m in _MDY.finditer(text):
        found.append((m.start(), int(m[3]), _MONTHS[m[1][:3].lower()], int(m[2])))
    for m in _DMY.finditer(text):
        found.append((m.start(), int(m[3]), _MONTHS[m[2][:3].lower()], int(m[1])))
    for _, y, mo, d in sorted(found):
        try:
            return _date(y, mo, d).isoformat()
        except ValueError:
            continue
    return None


def _headline(text: str) -> str:
    """A headline among the leading short lines (a section label or a date line is not one)."""
    for line in text.split("\n")[:4]:
        line = line.strip().lstrip("#").strip()
        words = line.split()
        if not line or len(line) > 200 or len(words) < 3:
            continue
        if parse_date(line) and len(words) <= 6:
            continue
        if line[-1] in ".!?\"”" and len(words) > 12:
            return ""  # the article starts straight with its body
        return line
    return ""


def _lead(text: str, words: int = 12) -> str:
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    ws = first.split()
    return " ".join(ws[:words]) + ("…" if len(ws) > words else "")


def parse_article(source: str, raw: str, *, is_html: bool | None = None) -> Document:
    """Clean one article's raw text and find its title and date.

    >>> d = parse_article("a.txt", " date 2024-12-04 Rebels took the town. More text here.")
    >>> d.date, d.text
    ('2024-12-04', 'Rebels took the town. More text here.')
    """
    title = ""
    meta_date = None
    fm = _FRONT_MATTER.match(raw)
    if fm:  # markdown front matter: title:/date: lines
        for line in fm[1].splitlines():
            k, _, v = line.partition(":")
            if k.strip().lower() == "title":
                title = v.strip().strip("\"'")
            elif k.strip().lower() == "date":
                meta_date = parse_date(v)
        raw = raw[fm.end() :]
    m = _DATE_PREFIX.match(raw)
    if m:
        meta_date = meta_date or parse_date(m[1])
        raw = raw[m.end() :]
    if is_html is None:
        is_html = source.lower().endswith((".html", ".htm")) or len(_LOOKS_HTML.findall(raw[:20000])) >= 2
    if is_html:
        text, html_title = clean_html(raw)
        title = title or html_title
    else:
        text = normalize_whitespace(html.unescape(raw) if "&" in raw and re.search(r"&#?\w+;", raw) else raw)
    if not title:
        title = _headline(text)
    date = meta_date or parse_date(text[:400])
    title = title or _lead(text)
    digest = hashlib.sha256(f"{title}\x00{date}\x00{text}".encode()).hexdigest()
    return Document(source=source, text=text, title=title, date=date, sha256=digest)


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def read_file(path: Path, source: str | None = None) -> tuple[Document | None, str]:
    """Read one article file. Returns ``(doc, '')`` or ``(None, why it was skipped)``."""
    source = source or path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // 1_000_000} MB"
        data = path.read_bytes()
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    if not data.strip():
        return None, "empty"
    raw = _decode(data)
    if raw is None:
        return None, "binary or not UTF-8 text"
    ctrl = sum(1 for ch in raw[:10000] if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if ctrl > max(3, len(raw[:10000]) // 100):
        return None, "binary (control characters)"
    doc = parse_article(source, raw)
    if len(doc.text.split()) < 3:
        return None, "no text after cleaning"
    return doc, ""


def read_corpus(folder: str | Path) -> tuple[list[Document], list[str]]:
    """Read every article under ``folder``.

    Returns ``(documents, skipped)`` where ``skipped`` holds ``"name: reason"`` for every file not
    used (wrong type, empty, binary, undecodable); each is also logged as a warning.
    Raises ``CorpusError`` when the folder is missing or yields no readable article.
    """
    folder = Path(folder)
    if not folder.exists():
        raise CorpusError(f"corpus folder '{folder}' does not exist: create it and add .txt, .md or .html "
                          "articles, or pass another folder (--corpus DIR)")
    if not folder.is_dir():
        raise CorpusError(f"corpus '{folder}' is a file, not a folder: pass the folder that holds the articles")
    docs: list[Document] = []
    skipped: list[str] = []
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        rel = p.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if p.suffix.lower() not in EXTENSIONS:
            skipped.append(f"{rel}: not an article type ({', '.join(EXTENSIONS)})")
            continue
        doc, why = read_file(p, rel)
        if doc is None:
            skipped.append(f"{rel}: {why}")
        else:
            docs.append(doc)
    for s in skipped:
        log.warning("skipped %s", s)
    if not docs:
        detail = f" (skipped: {'; '.join(skipped[:5])})" if skipped else ""
        raise CorpusError(f"no readable articles in '{folder}'{detail}: add .txt, .md or .html files "
                          "or pass another folder (--corpus DIR)")
    return docs, skipped
