"""The options of a run as one object (issue 15): a frozen, picklable Config made from
the command's options and the environment in one place; what decides a pair's result
(the result store's key) apart from how and where it runs."""
from __future__ import annotations

import ast
import dataclasses
import pickle
from pathlib import Path

import pytest

from tm.align import DEFAULT_MIN_SCORE, MODES
from tm.config import Config, cache_dir_from
from tm.pipeline import PairJob, result_key

TM = Path(__file__).resolve().parents[1] / "tm"


def test_config_is_frozen_and_picklable_with_the_mode_resolved_once():
    config = Config(mode="cascade", cache_dir=Path("/tmp/x"))
    assert config.align_options == MODES["cascade"]
    assert pickle.loads(pickle.dumps(config)) == config
    assert pickle.loads(pickle.dumps(config)).align_options == MODES["cascade"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.mode = "fast"
    with pytest.raises(ValueError, match="unknown aligner mode"):
        Config(mode="nonsense")
    assert config.replace(mode="fast").align_options == MODES["fast"]


def test_the_environment_is_read_by_from_environ():
    env = {"TM_CACHE_DIR": "/somewhere", "TM_EMBED_WORKERS": "3", "TM_VECTOR_STORE_MAX_MB": "5",
           "TM_RESULT_STORE_MAX_MB": "7", "SOURCE_DATE_EPOCH": "1700000000", "TM_DASK_TIMEOUT": "2"}
    config = Config.from_environ(env, mode="fast")
    assert (config.cache_dir, config.workers, config.vector_store_max_bytes, config.result_store_max_bytes,
            config.source_date_epoch, config.dask_timeout, config.mode) == \
        (Path("/somewhere"), 3, 5_000_000, 7_000_000, "1700000000", 2.0, "fast")
    bare = Config.from_environ({"HOME": "/home/u"})
    assert bare.workers is None and bare.source_date_epoch is None and bare.min_score == DEFAULT_MIN_SCORE
    assert Config.from_environ({"TM_CACHE_DIR": "0"}).cache_dir is None
    assert Config.from_environ({"TM_CACHE_DIR": "/a"}, cache_dir=None).cache_dir is None   # --no-cache
    assert cache_dir_from({"XDG_CACHE_HOME": "/x"}) == Path("/x/tm")


def test_the_result_key_covers_what_decides_a_result_and_nothing_else():
    job = PairJob("r", Path("/c"), Path("/c/ru/r.txt"), Path("/c/en/r.txt"), b"a", b"b")
    base = Config()
    key = result_key(job, "-", base)
    for how in ({"workers": 1}, {"cache_dir": Path("/elsewhere")}, {"dask_timeout": 1.0},
                {"vector_store_max_bytes": 1}, {"result_store_max_bytes": 1}):
        assert result_key(job, "-", base.replace(**how)) == key, how
    for what in ({"mode": "fast"}, {"min_score": 0.3}, {"profile": "omegat"}, {"fuzzy_below": 0.5},
                 {"source_date_epoch": "1"}, {"src_lang": "uk"}, {"tgt_lang": "de"}):
        assert result_key(job, "-", base.replace(**what)) != key, what


def test_no_module_but_tm_config_reads_tms_environment_variables():
    """TM_* settings, SOURCE_DATE_EPOCH and XDG_CACHE_HOME are read in tm/config.py only:
    the exports take the source date as a parameter."""
    readers = []
    for path in sorted(TM.rglob("*.py")):
        if path.name == "config.py" and path.parent == TM:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (node.value.startswith("TM_") and node.value.isupper()
                         or node.value in ("SOURCE_DATE_EPOCH", "XDG_CACHE_HOME")):
                readers.append(f"{path.relative_to(TM)}: {node.value}")
    assert readers == []
