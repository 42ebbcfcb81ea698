from __future__ import annotations

from qa.lexical import BM25, related
from qa.retrieval import rrf
from qa.text import stem, terms


def test_rrf_by_hand():
    fused = rrf([[1, 2, 3], [3, 1]], k=10)
    assert fused == {1: 1 / 11 + 1 / 12, 2: 1 / 12, 3: 1 / 13 + 1 / 11}
    assert sorted(fused, key=lambda i: -fused[i]) == [1, 3, 2]


def test_bm25_prefers_rare_exact_terms():
    texts = ["The rebels advanced on the city.", "The rebels captured a Pantsir-S1 battery near the city.",
             "Government forces shelled the city."]
    bm = BM25(texts)
    assert bm.search("Pantsir battery", 3)[0][0] == 1
    assert bm.search("zzz unknown", 3) == []
    assert bm.idf("pantsir") > bm.idf("city")


def test_stemming_and_related_forms():
    assert stem("retook") == stem("retake") and stem("cities") == stem("city") and stem("dropping") == "drop"
    assert related("iran", stem("Iranian")) and related("turkey", "turkish") and not related("arm", "army")
    assert terms("What did the rebels say?") == ["rebel"]


def test_hybrid_finds_exact_designations_and_paraphrases(seed_bot):
    r = seed_bot.retriever
    # an exact designation: lexical retrieval carries it
    top = r.search("Pantsir-S1", 3)
    assert any("Pantsir-S1" in p.text for p in top)
    # a paraphrase with few shared words: dense retrieval carries it
    top = r.search("How many people ran away from the fighting?", 5)
    assert any("50,000 people fleeing" in p.text for p in top)
    for p in top:
        assert seed_bot.docs[p.source].text[p.start : p.end] == p.text
        assert p.score > 0 and -1.0 <= p.dense <= 1.0
