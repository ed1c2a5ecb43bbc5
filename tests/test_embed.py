"""The sentence-vector cache: same vectors with or without it, never a failure."""
import numpy as np

from tm import embed

TEXTS = ["Генеральный секретарь ОДКБ прибыл в Минск.", "The CSTO Secretary General arrived in Minsk."]


def test_disk_cache_returns_the_encoders_own_vectors(tmp_path, monkeypatch):
    monkeypatch.setenv("TM_EMBED_CACHE", "0")
    embed.clear_cache()
    plain = embed.encode(TEXTS, workers=1)
    monkeypatch.setenv("TM_EMBED_CACHE", str(tmp_path / "cache"))
    embed.clear_cache()
    first = embed.encode(TEXTS, workers=1)            # encodes and writes
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 2
    embed.clear_cache()
    second = embed.encode(TEXTS, workers=1)           # reads from disk
    assert np.array_equal(plain, first) and np.array_equal(first, second)
    assert np.allclose(np.linalg.norm(plain, axis=1), 1.0, atol=1e-4)


def test_damaged_cache_entry_is_encoded_again(tmp_path, monkeypatch):
    monkeypatch.setenv("TM_EMBED_CACHE", str(tmp_path))
    embed.clear_cache()
    good = embed.encode(TEXTS[:1], workers=1)
    (entry,) = tmp_path.glob("*.npy")
    entry.write_bytes(b"not a vector")
    embed.clear_cache()
    assert np.array_equal(embed.encode(TEXTS[:1], workers=1), good)


def test_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("TM_EMBED_CACHE", str(blocker / "cache"))   # cannot be created
    embed.clear_cache()
    assert embed.encode(TEXTS, workers=1).shape == (2, embed.DIM)


def test_default_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("TM_EMBED_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert embed._disk_dir() == tmp_path / "tm" / "usem3"
    monkeypatch.setenv("TM_EMBED_CACHE", "0")
    assert embed._disk_dir() is None
