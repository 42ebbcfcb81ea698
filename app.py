"""The chat web page: a thin Gradio shell over ``qa``.

Every reply shows the short answer in bold with citation markers, the supporting sentence with the
answer highlighted, and a card per source (title, date, file, the passage around the quote).
Articles can be uploaded from the page; they are indexed at once and can be asked about.

Run it::

    python app.py                       # http://127.0.0.1:7860, corpus seeds/, index index/
    python app.py --port 8080 --corpus my_articles --index my_index

API (gradio_client)::

    from gradio_client import Client
    Client("http://127.0.0.1:7860").predict("Who leads Hayat Tahrir al-Sham?", api_name="/chat")

Everything taken from an article is HTML-escaped (and its Markdown syntax neutralized) before it is
put into a reply, so an article holding ``<script>`` or ``<img onerror=...>`` only ever shows as text.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import stat
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

# before gradio or the hub client are imported anywhere
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import qa  # noqa: E402
from qa.answering import NAMES_MISSING_MESSAGE  # noqa: E402
from qa.embedding import MiniLMEmbedder  # noqa: E402
from qa.guard import RequestGuard, allowed_hosts  # noqa: E402
from qa.reading import EXTENSIONS, read_file  # noqa: E402

log = logging.getLogger("qa.app")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
MAX_UPLOAD_BYTES = 1_000_000  # a long news article is ~50 kB; bigger uploads get a friendly "too large"
MAX_TOP_K = 20  # passages an ask may consider (the page's slider goes this far)
MAX_FILES_PER_UPLOAD = 20  # files one upload may hold
MAX_FILES_PER_HOUR = 200  # files the whole service takes in an hour (a runaway script stops there)
MAX_REQUEST_BYTES = 1_000_000  # any request but an upload: a question, a chat of many turns
MAX_CHAT_MESSAGES = 40  # messages of the page's chat passed on as history (20 turns)
MAX_MESSAGE_CHARS = 20_000  # characters of one chat message kept (a reply with its source cards)
UPLOADS = "uploads"  # sub-folder of the corpus that uploaded articles go to
EXAMPLES = (
    "Who is the leader of Hayat Tahrir al-Sham?",
    "How many villages did the Syrian Democratic Forces capture in Deir ez-Zor?",
    "Which group leads the rebel coalition?",
    "How many towns did the rebels capture?",
)
CSS = """
.qa-sources details { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 4px 8px; margin: 4px 0; }
.qa-sources summary { cursor: pointer; }
.qa-sources p { margin: 6px 0 2px 0; font-size: 0.92em; }
/* the highlight keeps dark text on light yellow in both themes (contrast > 12:1) */
mark, .dark mark { background: #fde68a; color: #111827; padding: 0 1px; }
mark *, .dark mark * { color: inherit !important; }
/* WCAG AA contrast (4.5:1) for the theme's greyed text and its orange accent */
:root { --body-text-color-subdued: #52525b; --color-accent: #c2410c; }
.dark { --body-text-color-subdued: #a1a1aa; --color-accent: #fb923c; }
.qa-unsure { font-style: italic; }
.qa-understood { font-size: 0.9em; color: var(--body-text-color-subdued); }
a.qa-cite { text-decoration: none; font-weight: 600; }
#ask { background: #1d4ed8; color: #ffffff; border-color: #1d4ed8; }
.dark #ask { background: #93c5fd; color: #0b1220; border-color: #93c5fd; }
.qa-article { white-space: pre-wrap; line-height: 1.5; max-height: 70vh; overflow-y: auto; }
/* a phone shows the chat, the input and the examples on its first screen */
@media (max-width: 640px) { #chat { height: 36vh !important; min-height: 240px; } }
"""
# The page's script: citation links open their card, Copy gives clean text, a new reply is shown
# from its first line, "Read the article" opens the article viewer. Article text never reaches it
# as markup: replies are escaped, and copying parses them in an inert document (DOMParser).
JS = r"""
() => {
  const inert = (html) => new DOMParser().parseFromString(html, "text/html").body;
  const cleanCopy = (md) => {
    const [body, sources = ""] = String(md).split("**Sources**");
    const text = inert(body.replace(/\*\*/g, "").replace(/^> /gm, "").replace(/<br\s*\/?>/g, "\n")).textContent;
    const list = [...inert(sources).querySelectorAll("summary")].map((x) => x.textContent.trim());
    return text.replace(/\n{3,}/g, "\n\n").trim() + (list.length ? "\n\nSources:\n" + list.join("\n") : "");
  };
  window.qaCleanCopy = cleanCopy;
  if (navigator.clipboard && navigator.clipboard.writeText) {
    const write = navigator.clipboard.writeText.bind(navigator.clipboard);
    navigator.clipboard.writeText = (t) => write(typeof t === "string" && /qa-sources|<mark>|qa-cite/.test(t) ? cleanCopy(t) : t);
  }
  document.addEventListener("click", (ev) => {
    const cite = ev.target.closest && ev.target.closest("a.qa-cite");
    if (cite) {
      ev.preventDefault();
      const msg = cite.closest('[data-testid="bot"]') || document;
      const n = (cite.getAttribute("href") || "").replace("#source-", "");
      const card = msg.querySelector(".qa-sources details.qa-card-" + n);
      if (card) { card.open = true; card.scrollIntoView({block: "nearest"}); card.querySelector("summary").focus(); }
      return;
    }
    const open = ev.target.closest && ev.target.closest("a.qa-open");
    if (open) {
      ev.preventDefault();
      const box = document.querySelector("#open_request textarea, #open_request input");
      if (!box) return;
      const [, start, end, ...rest] = (open.getAttribute("href") || "").split(":");
      box.value = JSON.stringify({source: decodeURIComponent(rest.join(":")), start: +start, end: +end, t: Date.now()});
      box.dispatchEvent(new Event("input", {bubbles: true}));
    }
  }, true);
  const name = () => {  // replies are named by their plain first line, not by their Markdown source
    document.querySelectorAll('#chat [data-testid="bot"], #chat [data-testid="user"]').forEach((el) => {
      const who = el.dataset.testid === "bot" ? "Reply" : "Question";
      const first = (el.innerText || el.textContent).trim().split("\n")[0].slice(0, 300);
      const label = who + ": " + first;
      if (first && el.getAttribute("aria-label") !== label) el.setAttribute("aria-label", label);
    });
  };
  let shown = "";
  new MutationObserver(() => {
    name();
    const msgs = document.querySelectorAll('#chat [data-testid="bot"]');
    const last = msgs[msgs.length - 1];
    const text = last ? last.textContent.trim() : "";
    const key = msgs.length + "|" + text.slice(0, 120);
    if (last && text && key !== shown) {  // a new reply: show it from its first line
      shown = key;
      setTimeout(() => {  // scroll the chat, not the page, to the reply's top
        let box = last.parentElement;
        while (box && !(box.scrollHeight > box.clientHeight && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) {
          box = box.parentElement;
        }
        if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
        else last.scrollIntoView({block: "nearest"});
      }, 50);
    }
  }).observe(document.body, {childList: true, subtree: true});
}
"""

# --- rendering: pure functions from qa data types to Markdown ---------------------------------

# Markdown syntax that could turn article text into emphasis, links, images, strikethrough, tables
# or LaTeX; written as character references it stays literal text. ( and ) only matter after ].
_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]~$|"})
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def esc(text: object) -> str:
    """Article text made safe to put into the chat's Markdown/HTML: escaped, on one line.

    >>> esc('<img src=x onerror="alert(1)"> [a](javascript:x) *b*')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &#91;a&#93;(javascript:x) &#42;b&#42;'
    """
    return re.sub(r"\s+", " ", html.escape(str(text))).translate(_MARKDOWN)


def format_date(iso: str | None) -> str:
    """``'2024-12-04'`` -> ``'4 Dec 2024'``; ``''`` when the article states no date."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return esc(iso)
    return f"{d.day} {d:%b %Y}"


def reported(iso: str | None) -> str:
    d = format_date(iso)
    return f"as reported on {d}" if d else "undated article"


def highlight(text: str, start: int, end: int, tag: str = "mark") -> str:
    """``text`` escaped, with ``text[start:end]`` wrapped in ``<tag>``.

    >>> highlight("Rebels took <b>Velmora</b>.", 12, 26)
    'Rebels took <mark>&lt;b&gt;Velmora&lt;/b&gt;</mark>.'
    """
    if not 0 <= start < end <= len(text):
        return esc(text)
    return f"{esc(text[:start])}<{tag}>{esc(text[start:end])}</{tag}>{esc(text[end:])}"


def _span_in(quote: str, answer: str) -> tuple[int, int] | None:
    i = quote.lower().find(answer.lower()) if answer else -1
    return (i, i + len(answer)) if i >= 0 else None


def marked_quote(ans: qa.Answer, cite: qa.Citation, tag: str = "mark") -> str:
    """The cited sentence, escaped, with the answer span wrapped in ``<tag>``."""
    span = ans.span_in_quote() if ans.citations and cite == ans.citations[0] else _span_in(cite.quote, ans.text)
    return highlight(cite.quote, *span, tag=tag) if span else esc(cite.quote)


def _context(cite: qa.Citation, passages: Iterable[qa.Passage], docs: Mapping[str, qa.Document],
             width: int = 240) -> tuple[str, str]:
    """Article text just before and after the quote: the retrieved passage's, or a window."""
    doc = docs.get(cite.source)
    if doc is None or doc.text[cite.start : cite.end] != cite.quote:
        return "", ""
    lo, hi = max(0, cite.start - width), min(len(doc.text), cite.end + width)
    for p in passages:
        if p.source == cite.source and p.start <= cite.start and cite.end <= p.end:
            lo, hi = p.start, p.end
            break
    before, after = doc.text[lo : cite.start], doc.text[cite.end : hi]
    if lo > 0 and " " in before:
        before = "…" + before[before.index(" ") :]
    if hi < len(doc.text) and " " in after:
        after = after[: after.rindex(" ")] + " …"
    return before, after


def source_card(n: int, title: str, iso: str | None, source: str, body: str, *, open_: bool = False) -> str:
    """One expandable source card; ``body`` is HTML already escaped. One line, no blank lines, so
    Markdown leaves the block alone. Its class ``qa-card-n`` lets a citation link ``[n]`` find it
    (Gradio's sanitizer keeps classes, not ``data-`` attributes)."""
    meta = " · ".join(x for x in (esc(title), format_date(iso), f"<code>{esc(source)}</code>") if x)
    return (f'<details class="qa-card-{n}"{" open" if open_ else ""}><summary><b>[{n}]</b> {meta}</summary>'
            f"<p>{body}</p></details>")


def cite_link(n: int, cite: qa.Citation) -> str:
    """A citation marker ``[n]``: a link the page's script makes open and show source card n; its
    title (the hover preview) gives the article's title, date and the quote.

    >>> cite_link(2, qa.Citation("a.txt", "Rebels <b>", "2024-12-04", 0, 9, "They won."))
    '<a class="qa-cite" href="#source-2" title="Rebels &lt;b&gt; · 4 Dec 2024 — They won.">[2]</a>'
    """
    quote = cite.quote if len(cite.quote) <= 300 else cite.quote[:300] + "…"
    head = " · ".join(x for x in (cite.title or cite.source, format_date(cite.date)) if x)
    preview = esc(f"{head} — {quote}")  # character references: plain text in the attribute
    return f'<a class="qa-cite" href="#source-{n}" title="{preview}">[{n}]</a>'


def open_link(cite: qa.Citation) -> str:
    """A link that opens the whole article in the viewer, the cited sentence highlighted."""
    from urllib.parse import quote

    return f'<a class="qa-open" href="#read:{cite.start}:{cite.end}:{quote(cite.source)}">Read the article</a>'


UNSURE_BELOW = 0.5  # a calibrated probability under this (but over the decline threshold) is said in words


def hedge(score: float) -> str:
    """Words for how sure an answer is: ``''`` when sure, "Likely:" when it is not, with the score on hover."""
    if score >= UNSURE_BELOW:
        return ""
    return f'<span class="qa-unsure" title="confidence {score:.2f} (calibrated probability)">Likely:</span> '


def _say(n: int, first: bool) -> str:
    """``'Two reports say'`` / ``'one says'``."""
    word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    verb = "say" if n > 1 else "says"
    return f"{word.capitalize()} report{'s' if n > 1 else ''} {verb}" if first else f"{word} {verb}"


def render_answer(ans: qa.Answer, docs: Mapping[str, qa.Document]) -> str:
    """The chat reply for an answer: bold answer with citation markers on the first line (a
    follow-up question resolves its pronouns against that line), then the supporting sentence of
    every version with its date, then the source cards.

    The citation numbers run over the answer's citations, then those of its alternatives.
    """
    if ans.abstained:
        return render_abstention(ans)
    versions = [ans, *ans.alternatives]
    numbers: dict[tuple[str, int, int], int] = {}
    cards: list[str] = []
    for v in versions:
        for c in v.citations:
            key = (c.source, c.start, c.end)
            if key in numbers:
                continue
            numbers[key] = len(numbers) + 1
            before, after = _context(c, ans.passages, docs)
            body = f"{esc(before)}<mark>{marked_quote(v, c, tag='b')}</mark>{esc(after)} {open_link(c)}"
            cards.append(source_card(numbers[key], c.title, c.date, c.source, body, open_=not cards))

    def marker(c: qa.Citation) -> str:
        return cite_link(numbers[(c.source, c.start, c.end)], c)

    def markers(v: qa.Answer) -> str:
        return "".join(marker(c) for c in v.citations)

    if len(versions) == 1:
        head = f"{hedge(ans.score)}**{esc(ans.text)}** {markers(ans)}"
    else:  # the sources disagree: every version with who says it
        parts = [f"{_say(max(1, len(v.citations)), i == 0)} **{esc(v.text)}** {markers(v)}"
                 for i, v in enumerate(versions)]
        head = "; ".join(parts) + "."
    lines = [head, "", *understood(ans)]
    for v in versions:
        if v.citations:
            c = v.citations[0]
            lines += [f"> {marked_quote(v, c)} {marker(c)} — {reported(c.date)}", ""]
    lines += ["**Sources**", "", f'<div class="qa-sources">{"".join(cards)}</div>']
    return "\n".join(lines)


_LOOKED_FOR = {"number": "a number", "date": "a date or time", "person": "a person's name", "place": "a place",
               "org": "an organisation", "entity": "a name", "reason": "a reason"}
HINT = ("Questions that work ask for a fact an article states: who, what, where, when, how many. "
        "Answers are copied from the articles, so summaries and opinions are beyond it.")


def understood(ans: qa.Answer) -> list[str]:
    """A follow-up's "Understood as: ..." line (and a blank one), or nothing for a question that
    stood alone."""
    return [f'<span class="qa-understood">Understood as: {esc(ans.standalone)}</span>', ""] if ans.standalone else []


def render_abstention(ans: qa.Answer, shown: int = 3) -> str:
    """A declined answer in plain words: what was looked for, that no article gives it, what kind of
    question works; then the closest passages anyway."""
    wanted = _LOOKED_FOR.get(ans.kind or "", "an answer")
    found = (f"I looked for {wanted} in the {len(ans.passages)} closest passages, and none of them gives it."
             if ans.passages else "No passage of the articles is close to this question.")
    if ans.message.startswith(NAMES_MISSING_MESSAGE):  # what the question is about is in no article it read
        names = esc(ans.message[len(NAMES_MISSING_MESSAGE) :])
        found = f"I looked for {wanted}, but none of the articles I read mentions {names}."
    lines = ["**The articles don't seem to say.** " + found, "", *understood(ans), f"*{HINT}*", ""]
    passages = list(ans.passages[:shown])
    if passages:
        cards = [source_card(i, p.title, p.date, p.source, esc(p.text)) for i, p in enumerate(passages, 1)]
        lines += ["The closest passages:", "", f'<div class="qa-sources">{"".join(cards)}</div>']
    return "\n".join(lines)


def render_error(err: Exception) -> str:
    """A ``QAError`` as a chat message (the message already says what to do)."""
    msg = str(err) or type(err).__name__
    return f"⚠️ {esc(msg[:1].upper() + msg[1:])}"


def render_status(status: Mapping, articles: Iterable[Mapping] = ()) -> str:
    """The corpus panel: articles, chunks, the span of their dates, when the index was last updated,
    skipped files."""
    when = str(status.get("indexed_at") or "never").replace("T", " ")[:16]
    dates = sorted(a["date"] for a in articles if a.get("date"))
    span = ""
    if dates:
        span = f" · dated {format_date(dates[0])}" + (f" to {format_date(dates[-1])}" if dates[-1] != dates[0] else "")
    lines = [f"**{status.get('articles', 0)} articles** · {status.get('chunks', 0)} passages indexed{span}",
             f"Index updated {esc(when)}"]
    skipped = list(status.get("skipped") or ())
    if skipped:
        lines.append(f"Skipped {len(skipped)} file(s): " + "; ".join(esc(s) for s in skipped[:5]))
    return "\n\n".join(lines)


ARTICLE_COLUMNS = ["Date", "Title", "File", "Passages"]


def article_rows(articles: Iterable[Mapping]) -> list[list]:
    """The corpus list's rows, newest first (undated articles last)."""
    rows = sorted(articles, key=lambda a: (a.get("date") or "", a.get("title") or ""), reverse=True)
    return [[a.get("date") or "", a.get("title") or "", a["source"], a.get("passages", 0)] for a in rows]


def render_article(doc: qa.Document | None, start: int = 0, end: int = 0) -> str:
    """The article viewer (HTML): title, date, file and the whole text as written, ``text[start:end]``
    highlighted and scrolled to.

    >>> render_article(qa.Document("a.txt", "One.\\n\\nTwo <b>.", "T", None), 6, 14)
    '<h2>T</h2><p>undated · <code>a.txt</code></p><div class="qa-article">One.\\n\\n<mark id="qa-cited">Two &lt;b&gt;.</mark></div>'
    """
    if doc is None:
        return "<p>Choose an article in the list, or click <i>Read the article</i> under a source of an answer.</p>"
    e = html.escape
    head = f"<h2>{e(doc.title or doc.source)}</h2><p>{format_date(doc.date) or 'undated'} · <code>{e(doc.source)}</code></p>"
    if 0 <= start < end <= len(doc.text):
        body = f'{e(doc.text[:start])}<mark id="qa-cited">{e(doc.text[start:end])}</mark>{e(doc.text[end:])}'
    else:
        body = e(doc.text)
    return f'{head}<div class="qa-article">{body}</div>'


# --- uploads -----------------------------------------------------------------------------------

def safe_name(name: str) -> str:
    """A file name that stays in the folder it is saved to: the last path part, in plain ASCII
    letters, digits, ``.``, ``_`` and ``-``, no leading dot, at most ~100 characters.

    >>> safe_name("../../x.txt"), safe_name("..\\\\evil\\\\.bashrc.md"), safe_name("Rebels take Velmora!.HTML")
    ('x.txt', 'bashrc.md', 'Rebels_take_Velmora.html')
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]+", "_", base))
    stem, ext = os.path.splitext(base)
    stem = stem.strip("._-")[:96].strip("._-")
    return (stem or "article") + ext.lower()


def find_duplicate(doc: qa.Document, docs: Iterable[qa.Document]) -> str | None:
    """The source of an article with the same cleaned content as ``doc``, if there is one."""
    for d in docs:
        if d.sha256 == doc.sha256 or d.text == doc.text:
            return d.source
    return None


@dataclass(frozen=True)
class Upload:
    """What happened to one uploaded file."""

    name: str  # the uploaded file's name, made safe
    outcome: str  # "added", "duplicate" or "rejected"
    detail: str  # where it was saved, which article it duplicates, or why it was rejected


def render_uploads(uploads: list[Upload], report: qa.UpdateReport | None) -> str:
    """The upload panel's message."""
    lines = [f"**{u.outcome.capitalize()}** <code>{esc(u.name)}</code>: {esc(u.detail)}" for u in uploads]
    if report is not None and report.changed_anything:
        lines.append(f"Indexed {len(report.added) + len(report.changed)} article(s) "
                     f"({report.embedded_chunks} passages embedded): ask about them now.")
    return "\n\n".join(lines) or "Choose .txt, .md or .html files to add."


# --- the service: one QA shared by every visitor ---------------------------------------------

class ChatService:
    """The app's state: one ``qa.QA`` (index loaded once) shared by every visitor.

    Asks never wait for an upload: ``QA.ask`` answers from the state it finds (documents,
    retriever, answerer), which ``QA.refresh`` builds aside and swaps in at once. An upload is
    checked, saved and indexed in its own request, one upload at a time (``_upload_lock``), while
    asks go on answering from the articles indexed before it; the new articles are askable the
    moment the swap happens. At most ``max_concurrent_asks`` asks run side by side (measured with
    ``benchmarks/hostile.py --ask-turns``: 16 clients on 2 cores got p50/p95 1.4/1.8 s with 16 at a
    time, 1.7/2.1 s with 1, the queue and HTTP costing more than the answering).
    """

    def __init__(self, bot: qa.QA, *, max_upload_bytes: int = MAX_UPLOAD_BYTES,
                 max_files_per_upload: int = MAX_FILES_PER_UPLOAD, max_files_per_hour: int = MAX_FILES_PER_HOUR,
                 max_concurrent_asks: int = 16) -> None:
        self.bot = bot
        self.max_upload_bytes = max_upload_bytes
        self.max_files_per_upload = max_files_per_upload
        self.max_files_per_hour = max_files_per_hour
        self._upload_lock = threading.Lock()
        self._ask_turns = threading.BoundedSemaphore(max(1, max_concurrent_asks))
        self._received: list[float] = []  # monotonic times of the files taken in the last hour

    def warm_up(self) -> qa.UpdateReport:
        return self.bot.warm_up()

    def ask(self, question: str, history=None, top_k: int | None = None) -> tuple[qa.Answer, dict]:
        """The answer and the documents it refers to (for rendering)."""
        with self._ask_turns:
            ans = self.bot.ask(question, history=history, top_k=top_k)
            cited = {c.source for a in (ans, *ans.alternatives) for c in a.citations}
            return ans, self.bot.documents(cited)

    def reply(self, question: str, history=None, top_k: int | None = None) -> str:
        """The chat reply in Markdown; a question that cannot be answered gets a friendly message."""
        try:
            return render_answer(*self.ask(question, history, top_k))
        except qa.QAError as e:
            return render_error(e)
        except Exception as e:  # the page must keep working whatever happens
            log.exception("answering %r failed", question)
            return render_error(RuntimeError(f"something went wrong ({type(e).__name__}); try again"))

    def ask_json(self, question: str, top_k: int | None = None) -> dict:
        """``Answer.to_dict()``, or ``{"error": message}`` for a question that cannot be asked."""
        shown = question[:200] if isinstance(question, str) else ""
        try:
            return self.ask(question, top_k=top_k)[0].to_dict()
        except qa.QAError as e:
            return {"question": shown, "error": str(e)}
        except Exception as e:  # never a raw exception over the API
            log.exception("answering %r failed", shown)
            return {"question": shown, "error": f"something went wrong ({type(e).__name__}); try again"}

    def status(self) -> dict:
        """``QA.status()`` with folder names instead of absolute paths (visitors see it)."""
        status = dict(self.bot.status())
        for key in ("corpus", "index_dir", "store"):
            if status.get(key):
                status[key] = Path(status[key]).name
        return status

    def articles(self) -> list[dict]:
        """The articles (at most 10,000 of an archive): source, title, date, passages indexed, characters."""
        return self.bot.articles()

    def _take(self, n: int) -> int:
        """How many of ``n`` new files the hourly limit still lets in (and count them)."""
        now = time.monotonic()
        self._received = [t for t in self._received if now - t < 3600]
        room = max(0, self.max_files_per_hour - len(self._received))
        self._received += [now] * min(n, room)
        return min(n, room)

    def add_files(self, paths: Iterable[str | Path],
                  progress: Callable[..., object] | None = None) -> tuple[list[Upload], qa.UpdateReport | None]:
        """Check each uploaded file, save the good ones under ``corpus/uploads/``, update the index."""
        step = progress or (lambda *a, **k: None)
        paths = [Path(p) for p in paths or () if p]
        folder = Path(self.bot.settings.corpus) / UPLOADS
        uploads: list[Upload] = []
        refused: list[Upload] = []
        if len(paths) > self.max_files_per_upload:
            refused += [Upload(safe_name(p.name), "rejected", f"more than {self.max_files_per_upload} files at once: "
                               "upload the rest separately") for p in paths[self.max_files_per_upload:]]
            paths = paths[: self.max_files_per_upload]
        with self._upload_lock:
            allowed = self._take(len(paths))
            refused += [Upload(safe_name(p.name), "rejected", f"the server takes {self.max_files_per_hour} files an "
                               "hour: try again later") for p in paths[allowed:]]
            paths = paths[:allowed]
            known: list[qa.Document] = []  # this upload's articles (the corpus's are checked by the QA)
            for i, path in enumerate(paths):
                step(i / max(1, len(paths)) * 0.3, desc=f"Checking {path.name}")
                up, doc, data = self._check(path, known)
                if doc is not None:
                    try:
                        target = _save(folder, up.name, data)
                    except OSError as e:
                        up = Upload(up.name, "rejected", f"cannot be saved in the corpus ({e.strerror or e})")
                    else:
                        known.append(doc)
                        up = Upload(up.name, "added", f"saved as {UPLOADS}/{target.name}")
                uploads.append(up)
            report = None
            if any(u.outcome == "added" for u in uploads):
                names = ", ".join(u.name for u in uploads if u.outcome == "added")
                step(0.4, desc=f"Indexing {names}")
                t = time.perf_counter()
                report = self.bot.refresh()
                took = time.perf_counter() - t
                added = [u.detail.split()[-1] for u in uploads if u.outcome == "added"]
                counts = {a["source"]: a["passages"] for a in self.bot.articles(sources=added)}

                def done(u: Upload) -> Upload:
                    n = counts.get(u.detail.split()[-1])
                    n = f"{_passages(n)}, " if n is not None else ""
                    return replace(u, detail=f"{u.detail} — {n}indexed in {took:.1f} s")

                uploads = [done(u) if u.outcome == "added" else u for u in uploads]
            step(1.0, desc="Done")
        return uploads + refused, report

    def _check(self, path: Path, known: list[qa.Document]) -> tuple[Upload, qa.Document | None, bytes]:
        """Whether one uploaded file can join the corpus: ``(outcome, its document, its bytes)``."""
        name = safe_name(path.name)
        if Path(name).suffix.lower() not in EXTENSIONS:
            return Upload(name, "rejected", f"not an article: upload {', '.join(EXTENSIONS)} files"), None, b""
        try:
            st = path.stat()
        except OSError:
            return Upload(name, "rejected", "the upload did not arrive: try again"), None, b""
        if not stat.S_ISREG(st.st_mode):
            return Upload(name, "rejected", "not a regular file"), None, b""
        size = st.st_size
        if size > self.max_upload_bytes:
            return Upload(name, "rejected", f"too large ({size / 1e6:.1f} MB; the limit is "
                          f"{self.max_upload_bytes / 1e6:g} MB)"), None, b""
        doc, why = read_file(path, source=f"{UPLOADS}/{name}")
        if doc is None:
            return Upload(name, "rejected", f"not readable as an article: {why}"), None, b""
        dup = find_duplicate(doc, known) or self.bot.find_duplicate(doc)
        if dup is not None:
            return Upload(name, "duplicate", f"already in the corpus as {dup}"), None, b""
        return Upload(name, "added", ""), doc, path.read_bytes()


def _passages(n: int) -> str:
    return f"{n} passage{'' if n == 1 else 's'}"


def _save(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` (``name-2``... when taken), atomically, never outside ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, ext = os.path.splitext(name)
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{ext}"
    if target.resolve().parent != folder.resolve():
        raise OSError(f"'{name}' would leave the corpus folder")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# --- the page ----------------------------------------------------------------------------------

def build_app(service: ChatService):
    """The Gradio Blocks: a Chat tab (chat, input, examples, passages setting) and an Articles tab
    (the corpus list, the article viewer, uploads), and the API endpoints ``/chat`` (reply
    Markdown), ``/ask_json`` (``Answer.to_dict()``), ``/upload``, ``/status`` and ``/articles``."""
    import json

    import gradio as gr

    default_k = service.bot.settings.top_k
    max_chars = service.bot.settings.max_question_chars

    def submit(question: str, history: list):
        """Step 1, at once: the question joins the chat (or is refused, and stays in the box)."""
        display = chat_history(history, limit=None)
        if not isinstance(question, str) or not question.strip():
            return gr.skip(), display, ""  # nothing to send
        try:
            qa.question.validate(question, max_chars)
        except qa.QAError as e:  # refused: say why, keep the text to fix
            return question, display + [{"role": "assistant", "content": render_error(e)}], ""
        return "", display + [{"role": "user", "content": esc(question)}], question

    def answer(pending: str, history: list, top_k: float):
        """Step 2: the reply to the question ``submit`` accepted (the chat so far is its history)."""
        display = chat_history(history, limit=None)
        if not pending:
            return gr.skip()
        earlier = for_answerer(display[:-1])
        return display + [{"role": "assistant", "content": service.reply(pending, earlier, top_k)}]

    def undo(history: list):
        """Remove the last question and its reply; the question goes back into the box."""
        display = chat_history(history, limit=None)
        while display and display[-1]["role"] == "assistant":
            display.pop()
        last = html.unescape(display.pop()["content"]) if display else ""
        return last, display

    def retry(history: list):
        """Ask the last question again (drops its reply; ``answer`` runs next)."""
        display = chat_history(history, limit=None)
        while display and display[-1]["role"] == "assistant":
            display.pop()
        return display, (html.unescape(display[-1]["content"]) if display else "")

    def upload(files, progress=gr.Progress(track_tqdm=True)):
        files = [f for f in (files if isinstance(files, list) else [files]) if isinstance(f, str) and f]
        try:
            uploads, report = service.add_files(files, progress=progress)
        except qa.QAError as e:  # e.g. the index folder is not writable
            return render_error(e), ""
        finally:  # Gradio's copies: what was added is saved in the corpus, the rest must not pile up
            for f in files:
                _drop_cached(f)
        return render_uploads(uploads, report), upload_notice(uploads, report)

    def notify(notice: str, history: list):
        display = chat_history(history, limit=None)
        return display + [{"role": "assistant", "content": notice}] if notice else gr.skip()

    def corpus_view():
        articles = service.articles()
        return render_status(service.status(), articles), article_rows(articles)

    def open_article(request: str):
        """The viewer for a ``{"source", "start", "end"}`` request sent by a source card's link."""
        try:
            r = json.loads(request or "{}")
            source = str(r.get("source"))
            doc = service.bot.documents([source]).get(source)
            start, end = int(r.get("start", 0)), int(r.get("end", 0))
        except (ValueError, TypeError, AttributeError):
            return gr.skip(), gr.skip()
        return render_article(doc, start, end), gr.Tabs(selected="articles")

    def pick_article(evt: gr.SelectData, rows):
        try:
            source = rows.iloc[evt.index[0], 2] if hasattr(rows, "iloc") else rows[evt.index[0]][2]
        except (IndexError, KeyError, TypeError):
            return gr.skip()
        return render_article(service.bot.documents([source]).get(source))

    pick_article.__annotations__["evt"] = gr.SelectData  # the module's annotations are strings; Gradio needs the type

    def chat(question: str, top_k: int = default_k) -> str:
        """Answer a question from the articles; the reply in Markdown with citations [n] and sources."""
        return service.reply(question, top_k=top_k)

    def ask_json(question: str, top_k: int = default_k) -> dict:
        """Answer a question; the answer as JSON (Answer.to_dict()), or {"error": message}."""
        return service.ask_json(question, top_k=top_k)

    def status() -> dict:
        """The corpus status: articles, chunks, indexed_at, model, skipped files."""
        return service.status()

    def articles() -> list[dict]:
        """Every article: source, title, date, passages, chars."""
        return service.articles()

    # Gradio's upload cache: files older than an hour are deleted every hour, and all at shutdown
    with gr.Blocks(title="Ask the news", delete_cache=(3600, 3600)) as demo:
        gr.Markdown("# Ask the news\nAnswers are copied word for word from the articles, "
                    "with the sources under each answer.")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat_tab"):
                chatbot = gr.Chatbot(label="Chat", height=520, elem_id="chat", latex_delimiters=[],
                                     feedback_options=None, buttons=["copy"], group_consecutive_messages=False,
                                     autoscroll=False)
                with gr.Row(equal_height=True):
                    question = gr.Textbox(placeholder="Ask a question about the articles…", label="Your question",
                                          show_label=False, scale=5, elem_id="question", autofocus=True,
                                          max_lines=3, max_length=max_chars, min_width=150)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask", min_width=64)
                    clear = gr.Button("Clear", scale=1, elem_id="clear", min_width=64)
                examples = gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Try a question")
                top_k = gr.Slider(1, MAX_TOP_K, value=default_k, step=1, label="Passages to consider",
                                  info="How many retrieved passages the answer is looked for in: more can find "
                                       "answers deeper in the articles, fewer keep to the closest ones.",
                                  elem_id="top_k")
            with gr.Tab("Articles", id="articles"):
                status_md = gr.Markdown(elem_id="status")
                table = gr.Dataframe(headers=ARTICLE_COLUMNS, datatype=["str", "str", "str", "number"],
                                     interactive=False, elem_id="articles_table", label="Articles, newest first")
                viewer = gr.HTML(render_article(None), elem_id="viewer")
                files = gr.File(label=f"Add articles ({', '.join(EXTENSIONS)}; up to "
                                f"{service.max_upload_bytes / 1e6:g} MB each)", file_count="multiple",
                                file_types=list(EXTENSIONS), type="filepath", elem_id="upload")
                add = gr.Button("Add to corpus", elem_id="add")
                upload_md = gr.Markdown(elem_id="upload_report")
        pending = gr.State("")
        notice = gr.State("")
        open_request = gr.Textbox(visible="hidden", elem_id="open_request")

        private = {"api_visibility": "private"}
        for event in (question.submit, send.click):
            event(submit, [question, chatbot], [question, chatbot, pending], queue=False, **private).then(
                answer, [pending, chatbot, top_k], [chatbot], show_progress="minimal", **private)
        examples.load_input_event.then(submit, [question, chatbot], [question, chatbot, pending], **private).then(
            answer, [pending, chatbot, top_k], [chatbot], show_progress="minimal", **private)
        chatbot.undo(undo, [chatbot], [question, chatbot], queue=False, **private)
        chatbot.retry(retry, [chatbot], [chatbot, pending], queue=False, **private).then(
            answer, [pending, chatbot, top_k], [chatbot], show_progress="minimal", **private)
        clear.click(lambda: ("", [], ""), outputs=[question, chatbot, pending], queue=False, **private)
        add.click(upload, [files], [upload_md, notice], api_name="upload", concurrency_limit=1).then(
            lambda: (*corpus_view(), None), outputs=[status_md, table, files], **private).then(
            notify, [notice, chatbot], [chatbot], **private)
        open_request.change(open_article, [open_request], [viewer, tabs], **private)
        table.select(pick_article, [table], [viewer], **private)
        demo.load(corpus_view, outputs=[status_md, table], **private)
        gr.api(chat, api_name="chat")
        gr.api(ask_json, api_name="ask_json")
        gr.api(status, api_name="status")
        gr.api(articles, api_name="articles")
    # asks run side by side (none waits for an upload being indexed); uploads one at a time
    demo.queue(default_concurrency_limit=16, max_size=512)
    return demo


def upload_notice(uploads: list[Upload], report: qa.UpdateReport | None) -> str:
    """The chat's notice when uploaded articles have become askable (``''`` when none did)."""
    added = [u.name for u in uploads if u.outcome == "added"]
    if not added or report is None:
        return ""
    names = ", ".join(f"<code>{esc(n)}</code>" for n in added[:5]) + (f" and {len(added) - 5} more" if len(added) > 5
                                                                    else "")
    return f"New article{'s' if len(added) > 1 else ''} {names} can be asked about now."


def for_answerer(display: list[dict]) -> list[dict]:
    """The chat as the answerer reads history: the questions as typed, each reply's first line as
    plain text (the answer, without markup or citation markers).

    >>> for_answerer([{"role": "user", "content": "Who leads &quot;JNW&quot;?"},
    ...               {"role": "assistant", "content": '**Haddadi** <a class="qa-cite" href="#source-1">[1]</a>\\n\\n> quote'}])
    [{'role': 'user', 'content': 'Who leads "JNW"?'}, {'role': 'assistant', 'content': 'Haddadi'}]
    """
    out = []
    for m in display:
        text = m["content"]
        if m["role"] == "assistant":
            text = text.split("\n", 1)[0]
            text = re.sub(r"^\s*Likely:\s*", "", re.sub(r"<[^>]*>|\*\*|\[\d+\]", "", text))
        out.append({"role": m["role"], "content": html.unescape(text).strip()})
    return out


def chat_history(history: object, limit: int | None = MAX_CHAT_MESSAGES) -> list[dict]:
    """The page's chat as sent by a client, made safe to pass on: only ``{"role", "content"}``
    messages with text content, the last ``limit`` (all if None), each cut to ``MAX_MESSAGE_CHARS``.

    >>> chat_history([{"role": "user", "content": "Who?"}, 5, {"role": "x", "content": "y"}])
    [{'role': 'user', 'content': 'Who?'}]
    >>> chat_history("not a chat")
    []
    """
    if not isinstance(history, list):
        return []
    out = []
    for m in history[-limit if limit else 0 :]:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            continue
        content = m.get("content")
        if isinstance(content, list):  # Gradio 6 sends [{"type": "text", "text": ...}, ...]
            content = "\n".join(p["text"] for p in content[:10] if isinstance(p, dict) and isinstance(p.get("text"), str))
        if isinstance(content, str) and content:
            out.append({"role": m["role"], "content": content[:MAX_MESSAGE_CHARS]})
    return out


def _drop_cached(path: str) -> None:
    """Delete one of Gradio's cached upload files (never a file outside its cache folder)."""
    cache = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()
    try:
        p = Path(path).resolve()
        if cache in p.parents:
            p.unlink(missing_ok=True)
            if p.parent != cache and not any(p.parent.iterdir()):
                p.parent.rmdir()  # Gradio keeps each file in a folder of its own
    except OSError:
        pass


def launch(service: ChatService, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, block: bool = True,
           quiet: bool = False, extra_hosts: Iterable[str] = (), auth: tuple[str, str] | None = None):
    """Build the page and serve it on ``host:port``. With ``block=False`` it returns at once and
    the caller stops it with ``demo.close()``.

    Requests pass ``qa.guard.RequestGuard`` first: only the Host names ``127.0.0.1``/``localhost``,
    ``host`` and ``extra_hosts`` are answered, other sites cannot change state, bodies are bounded
    (uploads to ``max_files_per_upload`` files of ``max_upload_bytes``). ``auth``: a user name and
    password every visitor must give (for serving beyond this machine).
    """
    from starlette.middleware import Middleware

    demo = build_app(service)
    upload_limit = (service.max_files_per_upload + 1) * 8 * service.max_upload_bytes
    guard = Middleware(RequestGuard, hosts=allowed_hosts(host, extra_hosts), max_body=MAX_REQUEST_BYTES,
                       max_upload_body=upload_limit, upload_paths=("/upload",))
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=not block, quiet=quiet,
                max_file_size=8 * service.max_upload_bytes, css=CSS, js=JS, footer_links=["api"], show_error=True,
                app_kwargs={"middleware": [guard]}, auth=auth)
    return demo


def serve(bot: qa.QA, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, block: bool = True,
          quiet: bool = False, extra_hosts: Iterable[str] = (), auth: tuple[str, str] | None = None,
          **service_kwargs):
    """Load ``bot``'s corpus and index once, then serve the page. Returns ``(demo, service)``;
    raises ``QAError`` when the corpus cannot be read."""
    service = ChatService(bot, **service_kwargs)
    report = service.warm_up()  # read the corpus and load the index before the first visitor
    log.info("corpus ready: %s", report)
    if isinstance(bot.embedder, MiniLMEmbedder):  # questions need only the ONNX encoder: the
        # torch model that embeds uploaded articles loads meanwhile, so the first upload does not wait for it
        threading.Thread(target=bot.embedder.warm_up, kwargs={"documents": True}, name="qa-load-embedder",
                         daemon=True).start()
    return launch(service, host, port, block=block, quiet=quiet, extra_hosts=extra_hosts, auth=auth), service


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``"user:password"`` -> ``("user", "password")``; None for none.

    >>> parse_auth("ana:s3cret:x"), parse_auth("")
    (('ana', 's3cret:x'), None)
    """
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise qa.QAError("--auth / QA_AUTH must be USER:PASSWORD")
    return user, password


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Serve the chat page over the articles.")
    p.add_argument("--host", default=os.environ.get("QA_HOST", DEFAULT_HOST),
                   help="interface to listen on (env QA_HOST; default %(default)s)")
    p.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", DEFAULT_PORT)),
                   help="port (env QA_PORT; default %(default)s)")
    p.add_argument("--corpus", help="folder of articles (env QA_CORPUS; default seeds/)")
    p.add_argument("--index", help="index folder (env QA_INDEX; default index/)")
    p.add_argument("--store", help="where chunks and vectors live instead of --index: milvus:///path/qa.db or "
                                   "milvus://host:19530?collection=news (env QA_STORE; see README, Scaling out)")
    p.add_argument("--allowed-host", action="append", default=[h for h in os.environ.get(
        "QA_ALLOWED_HOSTS", "").split(",") if h], metavar="NAME",
                   help="another host name visitors use to reach the page (repeatable; env QA_ALLOWED_HOSTS, "
                        "comma-separated); 127.0.0.1 and localhost are always allowed")
    p.add_argument("--auth", default=os.environ.get("QA_AUTH"), metavar="USER:PASSWORD",
                   help="ask every visitor for this user name and password (env QA_AUTH, which keeps it out "
                        "of the process list); use it when serving beyond this machine")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "faiss.loader"):  # gradio's start-up self-checks; faiss's CPU probing
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        serve(qa.QA(corpus=args.corpus, index_dir=args.index, store=args.store), args.host, args.port,
              extra_hosts=args.allowed_host, auth=parse_auth(args.auth))
    except qa.QAError as e:
        raise SystemExit(f"error: {e}") from None


if __name__ == "__main__":
    main()
