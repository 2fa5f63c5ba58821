"""The compiled-cell cache (kernel/src/engine/rust/build/cell_cache.rs): a cell compiled before is
loaded instead of compiled, and never when anything that decides its library changed — a
variable's type, an item, rustc's flags — nor when its entry is damaged.

Every test writes cells no other test or earlier run wrote (a fresh tag in their names), so
that the first run of a cell is a compile and the second a hit, whatever the cache held."""
import uuid

import pytest

from ndplay_harness import Kernel, KernelLog, cache_dir


@pytest.fixture
def tag():
    return uuid.uuid4().hex[:10]


def fresh_kernel(tmp_path, **env):
    # Not a spare: a spare was started before this test's settings existed.
    return Kernel(env={"NDPLAY_SPARE": "0", **env}, cwd=str(tmp_path), ready_timeout=120)


def results(kernel, cells):
    out = []
    for code in cells:
        cell = kernel.run(code, timeout=300)
        assert cell.status == "ok", (code, cell.outputs)
        out.append(cell.plain_results)
    return out


def test_run_all_again_loads_every_cell_and_shows_the_same(tmp_path, tag):
    cells = [
        f"let a_{tag} = array![[1.0, 2.0], [3.0, 4.0]];",
        f"fn double_{tag}(x: f64) -> f64 {{ 2.0 * x }}",
        f"let b_{tag} = a_{tag}.mapv(double_{tag}); b_{tag}.sum()",
        f"b_{tag}.dot(&a_{tag})",
        f'println!("printed {tag}"); b_{tag}.shape().to_vec()',
    ]
    log = KernelLog()
    with fresh_kernel(tmp_path) as k:
        first = results(k, cells)
        assert k.run("let q: i32 = \"text\";").status == "error"
    compiled = log.new()
    # At most the warm-up cell, which every kernel runs: the tagged cells are new.
    assert compiled.count("cell cache: hit") <= 1, compiled
    with fresh_kernel(tmp_path) as k:
        second = results(k, cells)
        error = k.run("let q: i32 = \"text\";")
        assert error.status == "error" and "mismatched types" in error.error["evalue"] + "".join(
            error.error["traceback"])
        printed = k.run(f'println!("printed {tag}"); 1').stdout
    assert second == first
    assert printed == f"printed {tag}\n"
    loaded = log.new()
    # Every cell of the second kernel, the failing one and the warm-up included.
    assert loaded.count("cell cache: hit") >= len(cells) + 1, loaded
    assert first[2] == ["20.0"]


def test_a_variable_of_another_type_is_another_cell(tmp_path, tag):
    log = KernelLog()
    with fresh_kernel(tmp_path) as k:
        assert results(k, [f"let x_{tag} = array![1, 2];", f"x_{tag}.sum()"])[1] == ["3"]
        log.new()
        # The same text, and x now holds floats: compiled again, never the integer library.
        assert results(k, [f"let x_{tag} = array![1.5, 2.0];", f"x_{tag}.sum()"])[1] == ["3.5"]
        assert "cell cache: hit" not in log.new()
        # Integers again: the library of the first `sum` fits, and is loaded.
        assert results(k, [f"let x_{tag} = array![1, 2];", f"x_{tag}.sum()"])[1] == ["3"]
        assert "cell cache: hit" in log.new()


def test_an_item_redefined_is_another_cell(tmp_path, tag):
    with fresh_kernel(tmp_path) as k:
        assert results(k, [f"fn f_{tag}() -> i32 {{ 1 }}", f"f_{tag}()"])[1] == ["1"]
        assert results(k, [f"fn f_{tag}() -> i32 {{ 2 }}", f"f_{tag}()"])[1] == ["2"]
        assert results(k, [f"fn f_{tag}() -> i32 {{ 1 }}", f"f_{tag}()"])[1] == ["1"]


def test_other_rustc_flags_are_another_compiler(tmp_path, tag):
    cell = f"let v_{tag} = vec![255u8]; v_{tag}[0] + 1"
    with fresh_kernel(tmp_path) as k:
        overflow = k.run(cell)
        assert overflow.status == "error" and "overflow" in overflow.error["evalue"] + "".join(
            overflow.error["traceback"])
    with fresh_kernel(tmp_path, NDPLAY_CELL_RUSTFLAGS="-C overflow-checks=off") as k:
        # Wrapping arithmetic: what rustc makes of the cell with this flag, not the library
        # cached without it.
        assert results(k, [cell]) == [["0"]]


def test_a_damaged_entry_is_compiled_again(tmp_path, tag):
    cell = f"let d_{tag} = 41 + 1; d_{tag}"
    with fresh_kernel(tmp_path) as k:
        assert results(k, [cell]) == [["42"]]
    entries = [p.parent for p in (cache_dir() / "cells-v1").glob("*/source.rs") if f"d_{tag}" in p.read_text()]
    assert len(entries) == 1, entries
    library = entries[0] / "lib.so"
    damaged = bytearray(library.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    library.write_bytes(bytes(damaged))
    log = KernelLog()
    with fresh_kernel(tmp_path) as k:
        assert results(k, [cell]) == [["42"]]
    assert "library is damaged" in log.new()


def test_the_setting_turns_it_off(tmp_path, tag):
    cell = f"let o_{tag} = 6 * 7; o_{tag}"
    with fresh_kernel(tmp_path) as k:
        assert results(k, [cell]) == [["42"]]
    log = KernelLog()
    with fresh_kernel(tmp_path, NDPLAY_CELL_CACHE="0") as k:
        assert results(k, [cell]) == [["42"]]
    new = log.new()
    assert "cell cache: hit" not in new and "NDPLAY_CELL_CACHE=0" in new, new
