from __future__ import annotations

from qa.lexical import BM25, related
from qa.retrieval import fuse, rrf
from qa.text import stem, terms


def test_rrf_by_hand():
    fused = rrf([[1, 2, 3], [3, 1]], k=10)
    assert fused == {1: 1 / 11 + 1 / 12, 2: 1 / 12, 3: 1 / 13 + 1 / 11}
    assert sorted(fused, key=lambda i: -fused[i]) == [1, 3, 2]


def test_fusion_keeps_a_clear_lexical_first_that_rank_fusion_buries():
    # 20 chunks both retrievers rank alike, and chunk 99: the only one holding the question's rare name
    # (BM25 12.0 against at most 3.0) that the dense retriever ranks 17th of 21
    dense = {i: 0.60 - 0.01 * i for i in range(20)} | {99: 0.45}
    lexical = {i: 3.0 - 0.1 * i for i in range(20)} | {99: 12.0}
    fused = fuse(dense, lexical)
    assert sorted(fused, key=lambda i: -fused[i])[0] == 99
    assert all(0.0 <= v <= 1.0 for v in fused.values()) and fused[19] == min(fused.values())
    by_rank = rrf([sorted(dense, key=lambda i: -dense[i]), sorted(lexical, key=lambda i: -lexical[i])])
    assert sorted(by_rank, key=lambda i: -by_rank[i]).index(99) >= 6  # beyond the passages the answerer reads
    # one retriever alone (the other gives every chunk the same score, e.g. no shared word): its order
    flat = fuse({1: 0.3, 2: 0.9, 3: 0.5}, {1: 0.0, 2: 0.0, 3: 0.0})
    assert sorted(flat, key=lambda i: -flat[i]) == [2, 3, 1]


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
