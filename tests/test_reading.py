from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.errors import CorpusError
from qa.reading import (
    clean_html,
    is_metadata_line,
    parse_article,
    parse_date,
    read_corpus,
    read_file,
    strip_dateline,
    strip_tags,
)
from tests.conftest import ROOT, SEEDS, write_corpus


def test_html_seed_is_cleaned_and_dated():
    docs, skipped = read_corpus(SEEDS)
    assert not skipped and len(docs) == 5
    html_doc = next(d for d in docs if d.source.startswith("003_"))
    assert "<a" not in html_doc.text and "href" not in html_doc.text and "</" not in html_doc.text
    assert "Syria’s most important industrial centre" in html_doc.text
    assert html_doc.date == "2024-12-02"
    assert not html_doc.text.startswith("date")


def test_titles_and_dates_of_the_seeds():
    docs = {d.source[:3]: d for d in read_corpus(SEEDS)[0]}
    assert docs["001"].title.startswith("Syrian Rebels Advance on Hama")
    assert docs["001"].date == "2024-12-04"  # from the dateline "December 4, 2024, Wednesday"
    assert docs["002"].title == "Syrian Rebels Deal Crushing Blow to Assad and Iran"  # not the section label
    assert docs["002"].date == "2024-12-04"
    assert docs["000"].date == "2024-12-04"


def test_clean_html_drops_scripts_and_decodes_entities():
    text, title = clean_html("<html><head><title>T &amp; U</title><style>p{}</style></head>"
                             "<body><p>A &lt;b&gt; &#8217;x&#8217; and more words</p><script>alert(1)</script></body></html>")
    assert title == "T & U"
    assert "alert" not in text and "p{}" not in text
    assert "A <b> ’x’" in text


def test_html_article_headline_date_and_boilerplate():
    page = ('<html><head><meta property="article:published_time" content="2024-12-03T10:00:00Z">'
            "<title>Rebels take Hama | The Paper</title></head><body>"
            '<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>'
            "<article><h1>Rebels take Hama</h1><p>Rebels took the city of Hama on Thursday, the army said.</p>"
            "<p>Residents fled south towards Homs as the fighting spread.</p></article></body></html>")
    d = parse_article("hama.html", page)
    assert d.title == "Rebels take Hama"  # the page's one <h1>, not "… | The Paper"
    assert d.date == "2024-12-03"  # from the markup
    assert "Rebels took the city of Hama on Thursday" in d.text and "Sport" not in d.text


def test_a_one_paragraph_page_is_kept(tmp_path):
    p = tmp_path / "one.html"
    p.write_text("<html><body><p>Rebels took the town on Monday.</p></body></html>")
    doc, why = read_file(p)
    assert doc is not None and doc.text == "Rebels took the town on Monday.", why


def test_text_past_libxml2_depth_limit_is_not_dropped():
    # libxml2 stops at 256 levels and keeps what came before; the tag-stripping fallback keeps it all
    d = parse_article("deep.html", "<p>" + "<b>x " * 2000 + "end of story")
    assert d.text.split().count("x") == 2000 and d.text.endswith("end of story")


def test_strip_tags_is_plain_text_of_broken_markup():
    assert strip_tags("<p>One<!-- note --> two<p>Three &amp; four<script>x()") == "One two\nThree & four"
    assert strip_tags("a < b and <unclosed") == "a < b and <unclosed"


HOSTILE = {  # ~1 MB each; the html.parser-based reader took more than 30 s on several
    "unclosed <b>": ("'<p>' + '<b>x ' * 200_000", 200_000),
    "10^5 nested <div>": ("'<div>' * 100_000 + 'Rebels took the town.'", 4),
    "nested <div> with text": ("'<div>Rebels took it. ' * 45_000", 135_000),
    "many attributes": ("'<p ' + ' '.join(f'a{i}=\"v\"' for i in range(80_000)) + '>Rebels took the town.</p>'", 4),
    "nested tables": ("'<table><tr><td>x ' * 60_000", 60_000),
    "250-deep <div>s, repeated": ("('<div>' * 250 + 'Rebels took it.' + '</div>' * 250) * 360", 1080),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_html_is_parsed_whole_and_soon(kind):
    expr, words = HOSTILE[kind]
    code = f"from qa.reading import parse_article; print(len(parse_article('h.html', {expr}).text.split()))"
    try:  # a generous bound, in a process of its own so a hang fails the test instead of the suite
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing 1 MB of {kind} took more than 20 s")
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.split()[-1]) == words


@pytest.mark.parametrize("line,meta", [
    ("World | December 4, 2024, Wednesday // 14:45| views", True),
    ("December 4, 2024", True),
    ("Updated 14:45 | 3 min read", True),
    ("Rebels reach Hama on December 4, 2024 after a week of fighting", False),
    ("Blast at 9:15 kills 12", False),
])
def test_is_metadata_line(line, meta):
    assert is_metadata_line(line) is meta


@pytest.mark.parametrize("text,body", [
    ("BEIRUT — On Tuesday morning, rebels took four towns.", "On Tuesday morning, rebels took four towns."),
    ("NEW YORK, March 3 - Texaco Inc said it would sell assets.", "Texaco Inc said it would sell assets."),
    ("WASHINGTON (Reuters) - The Senate voted.", "The Senate voted."),
    ("Rebels - mostly from Idlib - took the town.", "Rebels - mostly from Idlib - took the town."),
])
def test_strip_dateline(text, body):
    assert strip_dateline(text) == body


@pytest.mark.parametrize("source,raw", [
    ("a.txt", "World | December 4, 2024, Wednesday // 14:45| views\nSyrian rebels advanced on Hama."),
    ("a.html", "<html><body><p>World | December 4, 2024, Wednesday // 14:45| views</p>"
               "<p>Syrian rebels advanced on Hama.</p></body></html>"),
    ("a.html", "<html><head><title>World | December 4, 2024, Wednesday // 14:45| views</title></head>"
               "<body><p>Syrian rebels advanced on Hama.</p></body></html>"),
])
def test_a_date_and_views_line_is_not_the_title(source, raw):
    d = parse_article(source, raw)
    assert d.title == "Syrian rebels advanced on Hama." and d.date == "2024-12-04"


def test_a_dateline_is_not_the_title():
    d = parse_article("b.txt", "BEIRUT — On Tuesday morning, Syrian rebel forces captured four additional towns, "
                               "moving them closer to Hama, activists said.\nGovernment troops took some back.")
    assert d.title == "On Tuesday morning, Syrian rebel forces captured four additional towns, moving them…"
    short = parse_article("c.txt", "BEIRUT — Rebels took Hama.\nGovernment troops took some villages back.")
    assert short.title == "Rebels took Hama."
    wire = parse_article("r.txt", "RPT - EUROPEAN TRADE MAY PROPOSE NEW ICO FORMULA\n\nEuropean coffee traders "
                                  "may propose a new formula, traders told Reuters.")
    assert wire.title == "RPT - EUROPEAN TRADE MAY PROPOSE NEW ICO FORMULA"  # a headline in capitals stays
    seed = next(d for d in read_corpus(SEEDS)[0] if d.source.startswith("004_"))
    assert not seed.title.startswith("BEIRUT")


def test_markdown_front_matter_and_heading():
    d = parse_article("x.md", "---\ntitle: The Title\ndate: 3 March 2023\n---\n# Heading here now\n\nBody text goes here.")
    assert d.title == "The Title" and d.date == "2023-03-03"
    d2 = parse_article("y.md", "# Rebels reach the city\n\nBody text goes here. More.")
    assert d2.title == "Rebels reach the city"


@pytest.mark.parametrize("s,iso", [("December 4, 2024", "2024-12-04"), ("4 Dec 2024", "2024-12-04"),
                                   ("on 2023-02-30 and 2023-03-01", "2023-03-01"), ("no date", None)])
def test_parse_date(s, iso):
    assert parse_date(s) == iso


def test_bad_files_are_skipped_with_a_reason(tmp_path):
    folder = write_corpus(tmp_path / "c", {
        "good.txt": "Rebels took the town on Monday. Officials confirmed it.",
        "empty.txt": "   \n",
        "binary.txt": b"\x00\x01\x02\xff" * 100,
        "latin1.txt": "Caf\xe9 owners said the town fell.".encode("latin-1"),
        "image.png": b"\x89PNG",
        ".hidden.txt": "ignored",
    })
    docs, skipped = read_corpus(folder)
    assert [d.source for d in docs] == ["good.txt"]
    reasons = "\n".join(skipped)
    for name in ("empty.txt: empty", "binary.txt: binary", "latin1.txt: binary or not UTF-8", "image.png: not an article"):
        assert name in reasons
    assert ".hidden" not in reasons


def test_missing_and_empty_corpus_raise_with_the_fix(tmp_path):
    with pytest.raises(CorpusError, match="does not exist.*--corpus"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable articles"):
        read_corpus(tmp_path / "empty")
    write_corpus(tmp_path / "bin", {"x.txt": b"\x00\xff" * 50})
    with pytest.raises(CorpusError, match=r"x\.txt: binary"):
        read_corpus(tmp_path / "bin")


# --- the corpus stays inside its folder ---------------------------------------------------------

STORY = "Rebels took the town on Monday. Officials confirmed it."


def skipped_names(skipped: list[str]) -> dict[str, str]:
    return dict(s.split(": ", 1) for s in skipped)


def test_links_leaving_the_corpus_are_skipped_and_named(tmp_path):
    outside = write_corpus(tmp_path / "outside", {"secret.txt": "The launch codes are in the red folder today."})
    folder = write_corpus(tmp_path / "c", {"good.txt": STORY, "uploads/up.txt": "An uploaded story about rain today."})
    (folder / "leak.txt").symlink_to(outside / "secret.txt")
    (folder / "env.txt").symlink_to("/proc/self/environ")
    (folder / "other").symlink_to(outside, target_is_directory=True)
    (folder / "gone.txt").symlink_to(tmp_path / "nothing.txt")
    docs, skipped = read_corpus(folder)
    assert sorted(d.source for d in docs) == ["good.txt", "uploads/up.txt"]
    why = skipped_names(skipped)
    assert why["leak.txt"].startswith("symlink to outside the corpus folder")
    assert why["env.txt"].startswith("symlink to outside the corpus folder")
    assert why["other"].startswith("symlink to outside the corpus folder")
    assert why["gone.txt"].startswith("dangling symlink")


def test_a_link_inside_the_corpus_is_read(tmp_path):
    folder = write_corpus(tmp_path / "c", {"2024/story.txt": STORY})
    (folder / "latest.txt").symlink_to(folder / "2024" / "story.txt")
    (folder / "relative.txt").symlink_to(Path("2024") / "story.txt")
    docs, skipped = read_corpus(folder)
    assert sorted(d.source for d in docs) == ["2024/story.txt", "latest.txt", "relative.txt"] and not skipped
    assert len({d.text for d in docs}) == 1


def test_a_fifo_is_named_and_never_opened(tmp_path):
    folder = write_corpus(tmp_path / "c", {"good.txt": STORY})
    os.mkfifo(folder / "pipe.txt")
    code = ("import json, sys; from qa.reading import read_corpus, read_file; from pathlib import Path; "
            "docs, skipped = read_corpus(sys.argv[1]); "
            "print(json.dumps([[d.source for d in docs], skipped, read_file(Path(sys.argv[1]) / 'pipe.txt')[1]]))")
    try:  # opening a FIFO blocks until a writer comes: run it where a hang cannot stop the suite
        out = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=ROOT, capture_output=True, text=True,
                             timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a corpus with a FIFO in it blocked")
    assert out.returncode == 0, out.stderr[-2000:]
    sources, skipped, why = json.loads(out.stdout.splitlines()[-1])
    assert sources == ["good.txt"]
    assert skipped_names(skipped)["pipe.txt"].startswith("a FIFO") and why.startswith("a FIFO")


def test_a_file_name_that_is_not_utf8_is_named_printably(tmp_path):
    folder = write_corpus(tmp_path / "c", {"good.txt": STORY})
    with open(os.path.join(os.fsencode(folder), b"bad\xff.txt"), "wb") as f:
        f.write(b"Another story about the rebels and the town.")
    docs, skipped = read_corpus(folder)
    assert [d.source for d in docs] == ["good.txt"]
    assert skipped == ["bad\\xff.txt: file name is not valid UTF-8: rename the file"]
    json.dumps(skipped, ensure_ascii=False).encode("utf-8")  # later stages write names into JSON


def test_system_folders_are_never_read(tmp_path):
    with pytest.raises(CorpusError, match="system folder"):
        read_corpus("/proc/self")
    doc, why = read_file(Path("/proc/self/status"))
    assert doc is None and "system file" in why
    (tmp_path / "status.txt").symlink_to("/proc/self/status")
    assert "system file" in read_file(tmp_path / "status.txt")[1]
    assert read_file(Path("/dev/zero"))[1].startswith("a device")  # endless: never read


def test_import_qa_leaves_the_html_libraries_for_later():
    code = "import sys, qa; print(sorted(m for m in ('trafilatura', 'htmldate', 'lxml') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr[-2000:]
