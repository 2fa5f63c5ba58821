"""Settings the kernel must refuse, saying why, rather than run unsafely or silently differ
from what was asked (issue 24): a cache another user could change, a memory limit it cannot
read. Each kernel here is fresh (no spare: a spare was started with other settings)."""
from ndplay_harness import Kernel, traceback_text


def first_cell_error(env, cwd):
    with Kernel(env={"NDPLAY_SPARE": "0", **env}, cwd=str(cwd), ready_timeout=60) as kernel:
        cell = kernel.run("1 + 1", timeout=120)
        assert cell.status == "error", cell.outputs
        err = cell.error
        return err, traceback_text(err)


def test_a_cache_under_tmp_is_refused_and_nothing_is_built_there(tmp_path):
    # tmp_path lies under /tmp, which every user can write: another user could have put a
    # .cargo/config.toml above the cache (setting the linker every cell's build runs).
    cache = tmp_path / "cache"
    err, text = first_cell_error({"NDPLAY_CACHE_DIR": str(cache)}, tmp_path)
    assert err["ename"] == "EngineUnavailable", err
    assert "is not safe to use" in text and "can be written by other users" in text, text
    assert "NDPLAY_CACHE_DIR" in text
    # Refused before anything was unpacked or built in it.
    assert sorted(p.name for p in cache.iterdir()) == [], list(cache.iterdir())


def test_a_memory_limit_that_does_not_parse_is_refused(tmp_path):
    # It used to mean "no limit at all", silently.
    err, text = first_cell_error({"NDPLAY_CHILD_MEMORY": "1.5X"}, tmp_path)
    assert err["ename"] == "EngineUnavailable", err
    assert 'NDPLAY_CHILD_MEMORY="1.5X" is not a memory size' in text, text


def test_a_fractional_memory_limit_is_applied(tmp_path):
    with Kernel(env={"NDPLAY_SPARE": "0", "NDPLAY_CHILD_MEMORY": "1.5G"}, cwd=str(tmp_path)) as kernel:
        cell = kernel.run(
            'std::fs::read_to_string("/proc/self/limits").unwrap().lines()'
            '.find(|l| l.starts_with("Max address space")).unwrap().split_whitespace().nth(3).unwrap().to_string()',
            timeout=300,
        )
        assert cell.status == "ok", cell.outputs
        assert cell.plain_results == [repr(str(3 << 29)).replace("'", '"')]
