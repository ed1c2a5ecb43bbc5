from pathlib import Path

import pytest

from tm.corpus import date_from_id, is_boilerplate, load_corpus, parse_release, read_release, split_paragraphs
from tm.models import InputError


def test_paragraphs_are_exact_slices_with_line_numbers():
    text = "Headline\n\nFirst line\nsecond line.\n \t\n\n\nLast.\n"
    paras = split_paragraphs(text)
    assert [p.text for p in paras] == ["Headline", "First line\nsecond line.", "Last."]
    assert [p.line for p in paras] == [1, 3, 8]
    for p in paras:
        assert text[p.start:p.start + len(p.text)] == p.text


def test_navigation_lines_are_boilerplate_in_both_languages():
    assert is_boilerplate("Go back", "en")
    assert is_boilerplate("  Back to the all news ", "en")
    assert is_boilerplate("Вернуться к списку новостей", "ru")
    assert is_boilerplate("НАЗАД", "ru")
    assert not is_boilerplate("Go back to Moscow, he said.", "en")
    assert not is_boilerplate("Назад пути нет.", "ru")


def test_release_sets_boilerplate_aside_and_takes_date_from_id():
    text = "Заголовок\n\nТекст новости.\n\nНазад\n\nВернуться в раздел\n"
    rel = parse_release(text, "2022-10-03-interaction", "ru", Path("x.txt"))
    assert [p.text for p in rel.paragraphs] == ["Заголовок", "Текст новости."]
    assert [p.text for p in rel.boilerplate] == ["Назад", "Вернуться в раздел"]
    assert rel.date == "2022-10-03"


def test_crlf_and_bom_are_normalised(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"\xef\xbb\xbfHead\r\n\r\nBody one.\r\nBody two.\r\n")
    rel = read_release(f, "en")
    assert [p.text for p in rel.paragraphs] == ["Head", "Body one.\nBody two."]


def test_date_from_id():
    assert date_from_id("2024-07-25-meeting") == "2024-07-25"
    assert date_from_id("2024-02-30-x") is None
    assert date_from_id("meeting") is None


def test_invalid_utf8_names_file_and_line(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_bytes(b"ok\nstill ok\n\xff broken\n")
    with pytest.raises(InputError) as err:
        read_release(f, "ru")
    assert str(err.value).startswith(f"{f}:3: ")


def test_pairs_by_id_and_lists_unpaired(tmp_path):
    for lang, ids in (("ru", ["a", "b"]), ("en", ["a", "c"])):
        (tmp_path / lang).mkdir()
        for i in ids:
            (tmp_path / lang / f"{i}.txt").write_text("Text.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [(s.release_id, t.release_id) for s, t in corpus.pairs] == [("a", "a")]
    assert sorted(r.release_id for r in corpus.unpaired) == ["b", "c"]
    assert len(corpus.warnings) == 2 and all("counterpart" in w for w in corpus.warnings)


def test_missing_corpus_folder_is_input_error(tmp_path):
    with pytest.raises(InputError):
        load_corpus(tmp_path / "nope")
    with pytest.raises(InputError):
        load_corpus(tmp_path)  # no ru/ and en/


def test_all_or_nothing_renames_only_when_every_file_is_written(tmp_path):
    from tm.fileio import all_or_nothing, atomic_write_bytes

    (tmp_path / "a.txt").write_bytes(b"old a")
    with pytest.raises(RuntimeError):
        with all_or_nothing():
            atomic_write_bytes(tmp_path / "a.txt", b"new a")
            assert (tmp_path / "a.txt").read_bytes() == b"old a"   # not yet renamed
            raise RuntimeError("disk full")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_bytes() == b"old a"
    with all_or_nothing():
        atomic_write_bytes(tmp_path / "a.txt", b"new a")
        atomic_write_bytes(tmp_path / "b.txt", b"new b")
    assert (tmp_path / "a.txt").read_bytes() == b"new a" and (tmp_path / "b.txt").read_bytes() == b"new b"
