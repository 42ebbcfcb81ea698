from __future__ import annotations

from qa.chunking import chunk_document, count_tokens
from qa.datatypes import Document
from qa.embedding import count_wordpieces
from qa.reading import read_corpus
from qa.sentences import split_sentences
from tests.conftest import SEEDS


def fits(text: str) -> bool:
    return count_wordpieces(text) <= 256


def test_sentences_keep_offsets_and_abbreviations():
    t = "Mr. Al Assad met Gen. Kisel in the U.S. embassy. Rebels took 4 towns!\nHeadline line"
    spans = split_sentences(t)
    assert [t[a:b] for a, b in spans] == ["Mr. Al Assad met Gen. Kisel in the U.S. embassy.", "Rebels took 4 towns!",
                                          "Headline line"]


def test_seed_chunks_point_into_the_text_and_respect_the_budget():
    for doc in read_corpus(SEEDS)[0]:
        chunks = chunk_document(doc, max_tokens=160, overlap_tokens=40, fits=fits)
        assert chunks
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert c.n_tokens == count_tokens(c.text) <= 160
            assert count_wordpieces(c.text) <= 256
        # every sentence is inside some chunk
        for a, b in split_sentences(doc.text):
            assert any(c.start <= a and b <= c.end for c in chunks)
        # consecutive chunks overlap (sentence-aligned), and never go backwards
        for x, y in zip(chunks, chunks[1:], strict=False):
            assert x.start < y.start and y.start <= x.end + 2


def test_long_article_never_exceeds_the_embedder_window():
    """Long sentences, name-heavy text (many word pieces per token), a giant URL: every chunk fits."""
    seeds = "\n".join(d.text for d in read_corpus(SEEDS)[0])
    run_on = " ".join(["Qalaat al-Madiq Taybat al-Imam Maarshahour Kafraa Jabal Al-Zawiya"] * 60)  # no full stop
    url = "https://example.com/" + "x1y2z3" * 400
    doc = Document("long.txt", seeds + "\n" + run_on + "\n" + url + "\nEnd of the article.")
    chunks = chunk_document(doc, max_tokens=200, overlap_tokens=40, fits=fits)
    assert len(chunks) > 30
    worst = max(count_wordpieces(c.text) for c in chunks)
    assert worst <= 256, worst
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    # the whole text is covered
    covered = sorted((c.start, c.end) for c in chunks)
    reach = covered[0][1]
    for s, e in covered[1:]:
        assert s <= reach + 2
        reach = max(reach, e)
    assert reach == len(doc.text)


def test_window_check_shrinks_chunks_that_tiktoken_alone_would_allow():
    names = " ".join(["Maarshahour Kafraa Pourhashemi Araghchi."] * 80)
    doc = Document("n.txt", names)
    big = chunk_document(doc, max_tokens=400, overlap_tokens=0)
    assert max(count_wordpieces(c.text) for c in big) > 256  # the test is meaningful
    ok = chunk_document(doc, max_tokens=400, overlap_tokens=0, fits=fits)
    assert max(count_wordpieces(c.text) for c in ok) <= 256
