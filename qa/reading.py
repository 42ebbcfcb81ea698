"""Reading articles: files in a folder -> cleaned ``Document``s with title and date.

HTML (by extension *or* by content: a ``.txt`` full of ``<a href>`` tags counts) goes through
trafilatura (article text, title, date from the markup), htmldate where the page states no date;
a page lxml cannot parse whole (nesting deeper than libxml2's limit) or too big for trafilatura
(``MAX_ELEMENTS``) is stripped of its tags by a linear scan instead. Plain text keeps its own
characters: citation offsets index exactly the text read. Empty, binary and undecodable files, names that are not UTF-8, links that
leave the corpus folder and anything that is not a regular file are skipped and reported, never
dropped silently.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import stat
from collections.abc import Iterator
from datetime import date as _date
from pathlib import Path

from .datatypes import Document
from .errors import CorpusError

log = logging.getLogger(__name__)

EXTENSIONS = (".txt", ".md", ".html", ".htm")
MAX_FILE_BYTES = 20_000_000
# kernel files: their sizes lie, some block or have side effects, and they hold secrets (environ);
# devices elsewhere are caught as files that are not regular
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"))

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

# --- title and date rules (pure) ---------------------------------------------------------------

_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_META_MARKS = re.compile(r"\||//|•|·|\bviews?\b|\bcomments?\b|\bmin(?:ute)?s? read\b|\bupdated\b", re.I)
# "BEIRUT — ", "WASHINGTON (Reuters) - ", "NEW YORK, March 3 - ", "SAN FRANCISCO, Calif. — "
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'-]+(?:[ ,]+[A-Z][A-Za-z.'-]*){0,3}(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"\s*(?:\([^()\n]{1,40}\)\s*)?[—–-]{1,2}\s+"
)


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


def is_metadata_line(line: str) -> bool:
    """A date, byline or counter line, not a headline ("World | December 4, 2024, Wednesday // 14:45| views").

    >>> is_metadata_line("World | December 4, 2024, Wednesday // 14:45| views"), is_metadata_line("December 4, 2024")
    (True, True)
    >>> is_metadata_line("Rebels reach Velmora on December 4, 2024 after a week of fighting")
    False
    """
    dated = parse_date(line) is not None
    if dated and len(line.split()) <= 6:
        return True
    return (dated or bool(_CLOCK.search(line))) and bool(_META_MARKS.search(line))


def strip_dateline(text: str) -> str:
    """The text without a leading wire dateline ("BEIRUT — On Tuesday…" -> "On Tuesday…").

    >>> strip_dateline("WASHINGTON (Reuters) - The Senate voted on Tuesday.")
    'The Senate voted on Tuesday.'
    """
    m = _DATELINE.match(text[:200])
    return text[m.end() :] if m else text


def _names_a_story(title: str) -> bool:
    """A page title worth keeping: two words or more ("World" is a section), not a date or counter line."""
    return len(title.split()) >= 2 and not is_metadata_line(title)


def _headline(text: str) -> str:
    """A headline among the leading short lines (a section label or a date line is not one)."""
    for line in text.split("\n")[:4]:
        line = line.strip().lstrip("#").strip()
        words = line.split()
        if not line or len(line) > 200 or len(words) < 3 or is_metadata_line(line):
            continue
        if (m := _DATELINE.match(line)) and not line[m.end() :].isupper():
            return ""  # "BEIRUT — On Tuesday…": the story itself starts here ("RPT - COFFEE TALKS" is a headline)
        if line[-1] in ".!?\"”" and len(words) > 12:
            return ""  # the article starts straight with its body
        return line
    return ""


def _lead(text: str, words: int = 12) -> str:
    """The first words of the story, a title of last resort (date lines and the dateline left out)."""
    lines = text.strip().split("\n", 4)
    while len(lines) > 1 and is_metadata_line(lines[0]):
        lines = lines[1:]
    first = re.split(r"(?<=[.!?])\s", strip_dateline("\n".join(lines).strip()), maxsplit=1)[0]
    ws = first.split()
    return " ".join(ws[:words]) + ("…" if len(ws) > words else "")


# --- HTML -------------------------------------------------------------------------------------

_PAGE_ROOT = re.compile(r"<(?:html|body)[\s>]", re.I)
# libxml2 compares each attribute with every other one of its tag: 25,000 attributes take seconds
MAX_ATTRIBUTES = 256
# trafilatura spends 20-150 us per element (1 MB of nested <div>s, ~60,000 elements: 7 s); news
# pages have a few thousand
MAX_ELEMENTS = 10_000
_LONG_TAG = re.compile(r"<([A-Za-z][^\s<>/]*)(\s[^<>]{2000,})>")
# the linear fallback: markup tokens, and the elements whose content is not text
_MARKUP = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>|<!--|<[!?][^<>]*>")
_HIDDEN = {"script", "style", "noscript", "template", "title", "textarea"}
_CLOSE_HIDDEN = {t: re.compile(rf"</{t}\s*>", re.I) for t in _HIDDEN}
_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
           "table", "section", "article", "header", "footer", "blockquote", "pre", "hr", "main", "aside",
           "nav", "figure", "figcaption", "form"}
_TITLE_TAG = re.compile(r"<title[^<>]*>([^<]*)</title", re.I)


def strip_tags(raw: str) -> str:
    """Plain text of HTML in one linear pass: block tags become line breaks, scripts, styles and
    comments are dropped, entities decoded. The fallback for pages lxml cannot parse whole.

    >>> strip_tags('<div><p>Rebels <b>took</b> the town &amp; the airport.<script>x()</script><p>Then')
    'Rebels took the town & the airport.\\nThen'
    """
    out: list[str] = []
    pos = 0
    while (m := _MARKUP.search(raw, pos)) is not None:
        out.append(raw[pos : m.start()])
        pos = m.end()
        token, name = m[0], (m[2] or "").lower()
        if token == "<!--":
            end = raw.find("-->", pos)
            pos = len(raw) if end < 0 else end + 3  # an unclosed comment runs to the end, as in a browser
        elif name in _HIDDEN and not m[1]:
            close = _CLOSE_HIDDEN[name].search(raw, pos)
            pos = len(raw) if close is None else close.end()
        elif name in _BLOCKS:
            out.append("\n")
        elif name in ("td", "th"):
            out.append(" ")
    out.append(raw[pos:])
    return normalize_whitespace(html.unescape("".join(out)))


def _tame_attributes(raw: str) -> str:
    """Drop the attributes of any tag with more than ``MAX_ATTRIBUTES`` of them (linear)."""

    def tame(m: re.Match) -> str:
        return f"<{m[1]}>" if len(m[2].split()) > MAX_ATTRIBUTES else m[0]

    return _LONG_TAG.sub(tame, raw)


def _parse_page(raw: str):
    """The lxml tree of a page, or None when libxml2 gave up part way (it then keeps only what came
    before, e.g. nesting deeper than 256 levels): a silently truncated article is worse than none."""
    from lxml import etree
    from lxml import html as lxml_html

    # a parser per call: lxml parsers are not thread-safe and the error log is the parser's
    parser = lxml_html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                  remove_comments=True, remove_pis=True)
    try:
        tree = lxml_html.document_fromstring(raw.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.LxmlError, ValueError):
        return None
    if any(e.level == etree.ErrorLevels.FATAL for e in parser.error_log):
        return None
    return tree


def _markup_date(tree) -> str | None:
    """htmldate's extensive search (dates anywhere in the page), for a page that states none in its
    markup or first lines."""
    import htmldate

    try:
        return htmldate.find_date(tree, extensive_search=True, original_date=True) or None
    except Exception as e:  # an undated article rather than an unreadable one
        log.warning("htmldate failed (%s: %s)", type(e).__name__, e)
        return None


def read_html(raw: str) -> tuple[str, str, str | None]:
    """``(text, title, ISO date or None)`` of an HTML page or fragment.

    The text is the article as trafilatura finds it, the title trafilatura's (an ``<h1>``, ``og:title``
    or ``<title>``; ``''`` when that is a section label or a date line), the date the one the markup states (meta tags, ``<time>``, JSON-LD), else one in
    the first lines of the text, else htmldate's search of the whole page. Pages trafilatura finds no
    article in (a one-paragraph page), pages lxml cannot parse whole and pages of more than
    ``MAX_ELEMENTS`` elements keep their whole text, stripped of tags by ``strip_tags``.

    >>> read_html('<html><head><title>Rebels take Velmora</title></head><body><p>Rebels took the town.</p></body></html>')
    ('Rebels took the town.', 'Rebels take Velmora', None)
    """
    if not _PAGE_ROOT.search(raw):  # a fragment: trafilatura expects a page
        raw = f"<html><body><article>{raw}</article></body></html>"
    raw = _tame_attributes(raw)
    tree = _parse_page(raw)
    if tree is None or sum(1 for _ in tree.iter()) > MAX_ELEMENTS:
        m = _TITLE_TAG.search(raw)
        text, title = strip_tags(raw), " ".join(html.unescape(m[1]).split()) if m else ""
        return text, title if _names_a_story(title) else "", parse_date(text[:400])
    import trafilatura

    try:
        page = trafilatura.bare_extraction(tree, with_metadata=True, include_comments=False, include_tables=True,
                                           date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception as e:  # a bug of trafilatura's on one odd page must not lose the article
        log.warning("trafilatura failed (%s: %s); reading the page's whole text", type(e).__name__, e)
        page = None
    text = normalize_whitespace(page.text or "") if page is not None else ""
    if len(text.split()) < 3:
        text = strip_tags(raw)
    title = " ".join((page.title or "").split()) if page is not None else ""
    title = title if _names_a_story(title) else ""
    date = (page.date if page is not None else None) or parse_date(text[:400]) or _markup_date(tree)
    return text, title, date


def clean_html(raw: str) -> tuple[str, str]:
    """``(text, title)`` of an HTML page (see ``read_html``).

    >>> clean_html('<p>Rebels <a href="x">took</a> the town &amp; the airport.</p>')[0]
    'Rebels took the town & the airport.'
    """
    text, title, _ = read_html(raw)
    return text, title


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
        text, html_title, date = read_html(raw)
        title = title or html_title
    else:
        text = normalize_whitespace(html.unescape(raw) if "&" in raw and re.search(r"&#?\w+;", raw) else raw)
        date = parse_date(text[:400])
    if not title:
        title = _headline(text)
    date = meta_date or date
    title = title or _lead(text)
    digest = hashlib.sha256(f"{title}\x00{date}\x00{text}".encode()).hexdigest()
    return Document(source=source, text=text, title=title, date=date, sha256=digest)


# --- files ------------------------------------------------------------------------------------


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


def _file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return kind
    return "not a regular file"


def _in_system_folder(path: Path) -> bool:
    return any(path == s or path.is_relative_to(s) for s in SYSTEM_FOLDERS)


def _read_bytes(path: Path) -> tuple[bytes | None, str]:
    """The bytes of a regular file, or ``(None, why not)``: never opens a FIFO or device to block on
    it, never reads /proc or /sys, never more than ``MAX_FILE_BYTES``."""
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        return None, "dangling symlink (its target does not exist)" if path.is_symlink() else "does not exist"
    except (OSError, RuntimeError) as e:  # a symlink loop, a permission denied on the way
        return None, f"cannot be read ({getattr(e, 'strerror', None) or e})"
    if _in_system_folder(real):
        return None, "a system file (/proc, /sys): never read"
    try:
        st = os.stat(real)
        if not stat.S_ISREG(st.st_mode):
            return None, f"{_file_kind(st.st_mode)}, not an article file"
        if st.st_size > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // 1_000_000} MB"
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening still returns
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None, "not a regular file"
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    if len(data) > MAX_FILE_BYTES:
        return None, f"larger than {MAX_FILE_BYTES // 1_000_000} MB"
    return data, ""


def read_file(path: Path, source: str | None = None) -> tuple[Document | None, str]:
    """Read one article file. Returns ``(doc, '')`` or ``(None, why it was skipped)``."""
    path = Path(path)
    source = source or path.name
    data, why = _read_bytes(path)
    if data is None:
        return None, why
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


def printable_name(name: str) -> str:
    """A file name as text that can be printed and written into JSON: bytes that are not UTF-8
    shown as ``\\xff``.

    >>> printable_name(os.fsdecode(b"bad\\xff.txt"))
    'bad\\\\xff.txt'
    """
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _corpus_entries(root: Path) -> list[tuple[str, Path, str]]:
    """``(name relative to root, path, why it cannot be read or '')`` of every entry to consider, in
    path order: files, links and other non-folders anywhere under ``root``, and folders that cannot be
    listed. Hidden names and their folders are left out; links to folders are not followed (files
    under ``root`` are reached through their own folder); /proc and /sys are never entered."""
    entries: list[tuple[str, Path, str]] = []

    def unlistable(e: OSError) -> None:
        p = Path(e.filename)
        entries.append((p.relative_to(root).as_posix(), p, f"folder cannot be read ({e.strerror or e})"))

    for top, dirs, files in os.walk(root, onerror=unlistable, followlinks=False):
        here = Path(top)
        dirs[:] = [d for d in dirs if not d.startswith(".") and not _in_system_folder(here / d)]
        linked_dirs = [d for d in dirs if (here / d).is_symlink()]
        for name in [*files, *linked_dirs]:
            if not name.startswith("."):
                p = here / name
                entries.append((p.relative_to(root).as_posix(), p, ""))
    return sorted(entries, key=lambda e: Path(e[0]).parts)


def _corpus_file_problem(path: Path, root: Path) -> str:
    """Why a corpus entry is not read as an article ('' when it may be): links that leave the corpus
    folder or lead nowhere, and anything that is not a regular file."""
    try:
        st = os.lstat(path)
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if stat.S_ISLNK(st.st_mode):
        try:
            target = path.resolve(strict=True)
        except FileNotFoundError:
            return "dangling symlink (its target does not exist)"
        except (OSError, RuntimeError):
            return "symlink loop"
        if not target.is_relative_to(root):
            return "symlink to outside the corpus folder: copy the file into the folder instead"
        st = os.stat(target)
        if stat.S_ISDIR(st.st_mode):
            return "link to a folder inside the corpus: its files are read from there"
    if not stat.S_ISREG(st.st_mode):
        return f"{_file_kind(st.st_mode)}, not an article file"
    return ""


def _corpus_root(folder: str | Path) -> Path:
    """The corpus folder, resolved, or ``CorpusError`` saying what to pass."""
    folder = Path(folder)
    if not folder.exists():
        raise CorpusError(f"corpus folder '{folder}' does not exist: create it and add .txt, .md or .html "
                          "articles, or pass another folder (--corpus DIR)")
    if not folder.is_dir():
        raise CorpusError(f"corpus '{folder}' is a file, not a folder: pass the folder that holds the articles")
    root = folder.resolve()
    if _in_system_folder(root):
        raise CorpusError(f"corpus '{folder}' is a system folder (/proc, /sys): pass the folder that "
                          "holds the articles (--corpus DIR)")
    return root


def iter_corpus(folder: str | Path, skipped: list[str]) -> Iterator[Document]:
    """The articles under ``folder`` one at a time, in path order (a large archive is never held whole);
    every file not used is appended to ``skipped`` as ``"name: reason"`` and logged. Raises
    ``CorpusError`` (before yielding anything) when the folder is missing, a file or a system folder."""
    root = _corpus_root(folder)
    return _iter_corpus(root, skipped)


def _iter_corpus(root: Path, skipped: list[str]) -> Iterator[Document]:
    for rel, p, why in _corpus_entries(root):
        shown = printable_name(rel)
        if shown != rel:
            skipped.append(f"{shown}: file name is not valid UTF-8: rename the file")
            log.warning("skipped %s", skipped[-1])
            continue
        why = why or _corpus_file_problem(p, root)
        if not why and p.suffix.lower() not in EXTENSIONS:
            why = f"not an article type ({', '.join(EXTENSIONS)})"
        doc = None
        if not why:
            doc, why = read_file(p, rel)
        if doc is None:
            skipped.append(f"{rel}: {why}")
            log.warning("skipped %s", skipped[-1])
        else:
            yield doc


def read_corpus(folder: str | Path) -> tuple[list[Document], list[str]]:
    """Read every article under ``folder``.

    Returns ``(documents, skipped)`` where ``skipped`` holds ``"name: reason"`` for every file not
    used (wrong type, empty, binary, undecodable, a name that is not UTF-8, a link leaving the
    folder, a FIFO/socket/device); each is also logged as a warning.
    Raises ``CorpusError`` when the folder is missing or yields no readable article.
    """
    skipped: list[str] = []
    docs = list(iter_corpus(folder, skipped))
    if not docs:
        detail = f" (skipped: {'; '.join(skipped[:5])})" if skipped else ""
        raise CorpusError(f"no readable articles in '{folder}'{detail}: add .txt, .md or .html files "
                          "or pass another folder (--corpus DIR)")
    return docs, skipped
