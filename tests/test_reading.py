from __future__ import annotations

import pytest

from qa.errors import CorpusError
from qa.reading import clean_html, parse_article, parse_date, read_corpus
from tests.conftest import SEEDS, write_corpus


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
                             "<body><h1>Head</h1><p>A &lt;b&gt; &#8217;x&#8217;</p><script>alert(1)</script></body></html>")
    assert title == "T & U"
    assert "alert" not in text and "p{}" not in text
    assert "A <b> ’x’" in text


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
