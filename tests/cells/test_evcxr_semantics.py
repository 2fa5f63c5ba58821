"""What a cell means, checked against evcxr's semantics (docs/evcxr-semantics.md lists the
families of evcxr's integration tests and which test here covers each). Written in our own
words: each test states what a Rust user expects from a cell, as evcxr gives it, or where
ndplay deliberately differs.

These tests share a kernel of their own (the `kernel` fixture below, in place of the
directory's): they leave many variables and, with `:dep`, crates from temporary folders,
which the other files' cells must not compile against. Every name a test defines starts
with a prefix of its own."""
import re
import textwrap

import pytest

from ndplay_harness import Kernel, traceback_text


@pytest.fixture(scope="module")
def kernel():
    with Kernel(ready_timeout=60) as kernel:
        yield kernel.wait_for_prelude()


def report(cell):
    return traceback_text(cell.error)


def ok(kernel, code):
    cell = kernel.run(code)
    assert cell.status == "ok", (code, cell.outputs)
    return cell


def value(kernel, code):
    return ok(kernel, code).plain_results


# --- `?` at a cell's top level ------------------------------------------------------------


def test_question_mark_on_a_result_gives_the_value(kernel):
    ok(kernel, 'let qm_x: i32 = "5".parse()?;')
    assert value(kernel, "qm_x + 1") == ["6"]


def test_question_mark_on_an_option_and_on_a_mutex_lock(kernel):
    assert value(kernel, "[1, 2, 3].get(1)?") == ["2"]
    ok(kernel, "let qm_counter = std::sync::Mutex::new(41);")
    assert value(kernel, "*qm_counter.lock()? + 1") == ["42"]


def test_a_none_met_by_question_mark_is_the_cells_error_and_keeps_earlier_variables(kernel):
    ok(kernel, "let qm_before = 7;")
    cell = kernel.run("let qm_gone = 1;\nlet qm_v = [1, 2, 3].get(4)?;")
    assert cell.status == "error"
    assert cell.error["ename"] == "None"
    assert "line 2" in report(cell) and "None" in report(cell)
    assert value(kernel, "qm_before") == ["7"]
    # What the failed cell made is not kept.
    assert kernel.run("qm_gone").status == "error"


def test_a_users_error_type_met_by_question_mark_shows_its_message(kernel):
    ok(
        kernel,
        textwrap.dedent(
            """\
            fn qm_create(ok: bool) -> Result<u8, String> {
                if ok { Ok(3) } else { Err("no baz today".to_string()) }
            }
            #[derive(Debug)]
            struct QmOnlyDebug { code: u8 }
            fn qm_fails() -> Result<u8, QmOnlyDebug> { Err(QmOnlyDebug { code: 9 }) }
            """
        ),
    )
    ok(kernel, "let qm_a = qm_create(true)?;")
    assert value(kernel, "qm_a") == ["3"]
    cell = kernel.run("let qm_b = qm_create(false)?;")
    assert cell.status == "error"
    assert cell.error["evalue"] == "no baz today"
    assert "line 1" in report(cell)
    # An error type with `Debug` only is shown by `Debug`.
    cell = kernel.run("qm_fails()?")
    assert cell.status == "error"
    assert "QmOnlyDebug { code: 9 }" in report(cell)


def test_changes_made_before_a_failed_question_mark_stay(kernel):
    ok(kernel, 'let mut qm_n = 1;\nlet mut qm_s = String::from("a");')
    cell = kernel.run('qm_n += 1;\nqm_s.push(\'b\');\n"x".parse::<i32>()?;\nqm_n += 100;')
    assert cell.status == "error"
    assert cell.error["ename"] == "ParseIntError"
    assert value(kernel, "(qm_n, qm_s.clone())") == ['(2, "ab")']


def test_question_mark_on_a_value_it_cannot_report_says_so_without_kernel_names(kernel):
    ok(kernel, "struct QmSilent;\nfn qm_silent() -> Result<u8, QmSilent> { Err(QmSilent) }")
    cell = kernel.run("let qm_s = qm_silent()?;")
    assert cell.status == "error"
    text = report(cell) + cell.error["evalue"] + cell.error["ename"]
    assert "needs an `Option`, or a `Result` whose error type has `Display` or `Debug`" in text, text
    assert "#[derive(Debug)]" in text
    assert "__ndplay" not in text and "__Ndplay" not in text, text


def test_question_mark_inside_a_macros_arguments_works_too(kernel):
    assert ok(kernel, 'println!("{}", "5".parse::<i32>()? + 1);').stdout == "6\n"
    cell = kernel.run('println!("{}", "x".parse::<i32>()?);')
    assert cell.status == "error" and cell.error["ename"] == "ParseIntError"
    assert cell.error["evalue"] == "invalid digit found in string"


def test_question_mark_inside_closures_and_functions_is_theirs(kernel):
    code = textwrap.dedent(
        """\
        fn qm_half(s: &str) -> Option<u8> { Some(s.parse::<u8>().ok()? / 2) }
        let qm_f = |s: &str| -> Result<u8, std::num::ParseIntError> { Ok(s.parse::<u8>()? + 1) };
        (qm_half("8"), qm_half("x"), qm_f("1").ok())"""
    )
    assert value(kernel, code) == ["(Some(4), None, Some(2))"]


# --- `use` ---------------------------------------------------------------------------------


def test_a_use_group_may_repeat_an_earlier_import(kernel):
    ok(kernel, "use std::collections::HashMap;")
    code = (
        "use std::collections::{HashMap, HashSet};\nlet us_s: HashSet<u8> = HashSet::new();\n"
        "let us_m: HashMap<u8, u8> = HashMap::new();\n(us_s.len(), us_m.len())"
    )
    assert value(kernel, code) == ["(0, 0)"]
    # Both stay imported, once each.
    assert value(kernel, "HashSet::<u8>::from([1, 2]).len() + HashMap::<u8, u8>::new().len()") == ["2"]
    ok(kernel, "use std::collections::HashMap;")


# --- errors inside macro expansions --------------------------------------------------------


def test_an_error_inside_a_macro_expansion_points_at_the_call_in_the_cell(kernel):
    cell = kernel.run('let mut me_s = String::new(); me_s.push_str(format!(""));')
    assert cell.status == "error"
    assert cell.error["ename"] == "E0308"
    text = report(cell)
    assert 'me_s.push_str(format!(""));' in text, text
    # A caret under the macro call, on the line after the quoted one.
    quoted = text.splitlines()
    at = next(i for i, line in enumerate(quoted) if 'me_s.push_str(format!(""))' in line)
    assert "^" in quoted[at + 1], text


# --- no garbage, ever ----------------------------------------------------------------------


def test_variables_whose_type_holds_a_redefined_type_at_any_depth_are_dropped(kernel):
    ok(
        kernel,
        textwrap.dedent(
            """\
            struct GbInner { a: u8 }
            struct GbOuter { i: GbInner }
            enum GbEither { Left(GbOuter), Right }
            type GbPair = (GbOuter, u8);
            let gb_o = GbOuter { i: GbInner { a: 1 } };
            let gb_v = vec![GbInner { a: 2 }];
            let gb_opt: Option<GbOuter> = None;
            let gb_e = GbEither::Right;
            let gb_p: GbPair = (GbOuter { i: GbInner { a: 3 } }, 4);
            let gb_plain = 5u8;"""
        ),
    )
    cell = ok(kernel, "struct GbInner { a: u64, b: u64, c: String }")
    note = cell.stderr
    for name in ["gb_o", "gb_v", "gb_opt", "gb_e", "gb_p"]:
        assert f"`{name}`" in note, note
    assert "GbInner" in note and "gb_plain" not in note
    listed = ok(kernel, ":vars").stdout
    assert "gb_plain" in listed
    for name in ["gb_o", "gb_v", "gb_opt", "gb_e", "gb_p"]:
        assert not re.search(rf"^{name}\b", listed, re.M), listed
    # Never read as memory: the variable is gone, which is a compile error.
    cell = kernel.run("gb_o.i.a")
    assert cell.status == "error" and cell.error["ename"] == "E0425", cell.outputs
    assert value(kernel, "gb_plain") == ["5"]
    # The types work with the new definition.
    assert value(kernel, 'GbOuter { i: GbInner { a: 1, b: 2, c: "x".into() } }.i.b') == ["2"]


def test_a_static_that_can_change_is_said_to_start_again_in_every_cell(kernel):
    cell = ok(kernel, "static ST_HITS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);")
    assert "`ST_HITS` starts again from its initial value in every cell" in cell.stderr
    # What the note says is what happens.
    ok(kernel, "ST_HITS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);")
    assert value(kernel, "ST_HITS.load(std::sync::atomic::Ordering::SeqCst)") == ["0"]
    # A static that cannot change is not worth a note.
    assert "starts again" not in ok(kernel, 'static ST_NAMES: [&str; 2] = ["a", "b"];').stderr


# --- completion ----------------------------------------------------------------------------


def complete(kernel, code, cursor=None):
    msg_id = kernel.kc.complete(code, len(code) if cursor is None else cursor)
    while True:
        reply = kernel.kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def test_completion_offers_commands_at_a_colon_with_kinds(kernel):
    reply = complete(kernel, ":v")
    assert reply["matches"] == [":vars"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (0, 2)
    types = reply["metadata"]["_jupyter_types_experimental"]
    assert types == [{"start": 0, "end": 2, "text": ":vars", "type": "command"}]
    assert set(complete(kernel, ":")["matches"]) >= {":vars", ":dep", ":clear", ":help"}


def test_completion_never_offers_the_kernels_internals(kernel):
    ok(kernel, "let cp_value = 3;")
    for code in ["evcxr_", "ev", "__nd", "cp_"]:
        matches = complete(kernel, code)["matches"]
        assert not [m for m in matches if m.startswith(("evcxr", "Evcxr", "__ndplay", "ndplay_cell"))], (code, matches)
    reply = complete(kernel, "cp_")
    assert "cp_value" in reply["matches"]
    types = reply["metadata"]["_jupyter_types_experimental"]
    assert len(types) == len(reply["matches"])
    assert all(set(t) == {"start", "end", "text", "type"} for t in types)


# --- the other families of evcxr's integration tests (docs/evcxr-semantics.md) ----------------


def test_a_function_defined_anew_is_the_one_called_and_others_see_it(kernel):
    ok(kernel, "fn rd_base() -> i32 { 1 }\nfn rd_twice() -> i32 { rd_base() * 2 }")
    assert value(kernel, "rd_twice()") == ["2"]
    ok(kernel, "fn rd_base() -> i32 { 21 }")
    assert value(kernel, "rd_twice()") == ["42"]


def test_structs_enums_and_traits_work_across_cells(kernel):
    ok(kernel, "trait XcArea { fn area(&self) -> f64; }")
    ok(
        kernel,
        "#[derive(Debug, Clone)]\nstruct XcRect { w: f64, h: f64 }\nenum XcShape { Rect(XcRect), Dot }\n"
        "impl XcArea for XcRect { fn area(&self) -> f64 { self.w * self.h } }",
    )
    ok(kernel, "let xc_r = XcRect { w: 2.0, h: 3.0 };\nlet xc_s = XcShape::Rect(xc_r.clone());")
    assert value(kernel, "xc_r.area()") == ["6.0"]
    assert value(kernel, "match &xc_s { XcShape::Rect(r) => r.area(), XcShape::Dot => 0.0 }") == ["6.0"]
    # Showing a value does not move it; destructuring in a later cell does what Rust does.
    assert value(kernel, "xc_r") == ["XcRect { w: 2.0, h: 3.0 }"]
    ok(kernel, "let XcRect { w: xc_w, h } = xc_r;")
    assert value(kernel, "(xc_w, h)") == ["(2.0, 3.0)"]


def test_a_closure_lives_in_its_cell_unless_boxed(kernel):
    # evcxr refuses the cell ("cannot be persisted"); ndplay runs it and says the closure is
    # not kept, with the way to keep one.
    cell = ok(kernel, "let cl_f = |x: i32| x + 1;\ncl_f(1)")
    assert cell.plain_results == ["2"]
    assert "`cl_f` lives only in this cell" in cell.stderr and "Box<dyn Fn" in cell.stderr
    ok(kernel, "let cl_g: Box<dyn Fn(i32) -> i32> = Box::new(|x| x * 2);")
    assert value(kernel, "cl_g(21)") == ["42"]


def test_a_reference_is_not_kept_and_the_value_it_borrows_is(kernel):
    cell = ok(kernel, "let rl_v = vec![1, 2, 3];\nlet rl_r = &rl_v;\nrl_r.len()")
    assert cell.plain_results == ["3"]
    assert "`rl_r` borrows from another value" in cell.stderr
    assert value(kernel, "rl_v.len()") == ["3"]
    assert kernel.run("rl_r").status == "error"


def test_a_bad_use_is_an_error_and_the_session_goes_on(kernel):
    cell = kernel.run("use ndplay_no_such_crate_anywhere;")
    assert cell.status == "error" and cell.error["ename"] == "E0432"
    assert value(kernel, '"f".to_string() + "oo"') == ['"foo"']
    ok(kernel, "use std::collections::BTreeMap;")
    ok(kernel, "use std::collections::BTreeMap;")
    assert value(kernel, "BTreeMap::<u8, u8>::new().len()") == ["0"]


def test_a_variable_may_be_shadowed_by_one_of_another_type(kernel):
    ok(kernel, "let sh_x = 1;")
    ok(kernel, 'let sh_x = "now text";')
    assert value(kernel, "sh_x") == ['"now text"']
    assert value(kernel, "sh_x.len()") == ["8"]


def test_a_panic_keeps_earlier_variables_and_a_moved_value_is_gone(kernel):
    ok(kernel, "let pv_a = vec![1, 2, 3];\nlet pv_b = 42;")
    cell = kernel.run('panic!("on purpose {}", pv_b);')
    assert cell.status == "error" and cell.error["ename"] == "panic"
    assert cell.error["evalue"] == "on purpose 42"
    assert value(kernel, 'format!("{:?} {}", pv_a, pv_b)') == ['"[1, 2, 3] 42"']
    ok(kernel, 'let pv_o = Some("foo".to_owned());')
    assert value(kernel, "pv_o.unwrap()") == ['"foo"']
    assert kernel.run("pv_o").status == "error"


def test_top_level_await_is_an_error_that_says_where(kernel):
    # evcxr adds tokio from crates.io and runs the cell in it; ndplay does not fetch crates
    # on its own (a lesson must run offline), so the compiler's error stands.
    ok(kernel, "async fn aw_three() -> u8 { 3 }")
    cell = kernel.run("aw_three().await")
    assert cell.status == "error" and cell.error["ename"] == "E0728"
    assert "aw_three().await" in report(cell)


def test_printing_from_a_thread_reaches_the_cell(kernel):
    cell = ok(kernel, 'std::thread::spawn(|| println!("from a thread")).join().unwrap();')
    assert cell.stdout == "from a thread\n"


def test_a_big_output_arrives_whole_and_in_order(kernel):
    cell = ok(kernel, 'for i in 0..20000 { println!("row {i}"); }')
    assert cell.stdout.splitlines() == [f"row {i}" for i in range(20000)]


def test_what_must_not_compile_does_not(kernel):
    ok(kernel, "let me_b = 42;")
    cell = kernel.run("me_b = 2;")
    assert cell.error["ename"] in ("E0594", "E0384")
    # A `let` whose `;` is missing at the end of a cell is accepted (evcxr asks for the `;`):
    # the kernel ends the cell's code with one.
    ok(kernel, "mod me_m { pub struct Baz { pub n: u8 } }\nlet me_v = me_m::Baz { n: 4 }")
    assert value(kernel, "me_v.n") == ["4"]
    assert kernel.run("use crate;").status == "error"
    assert kernel.run("let me_w = me_no_such_function();").status == "error"
    ok(kernel, "use std::collections::VecDeque;")
    assert value(kernel, "40 + 2") == ["42"]


def test_commands_on_top_of_code_run_first_and_restore_stays_alone(kernel):
    cell = kernel.run(":vars\nlet cm_after = 2;\ncm_after * 3")
    assert cell.status == "ok" and cell.plain_results == ["6"]
    assert value(kernel, "cm_after") == ["2"]
    cell = kernel.run(":restore\nlet cm_never = 1;")
    assert cell.status == "error" and "alone in its cell" in cell.error["evalue"]
    assert kernel.run("cm_never").status == "error"


# --- `:dep` (last: the cells after one run against a rebuilt dependency graph) ----------


def make_crate(root, name, body, features=""):
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[features]\n{features}\n'
    )
    (root / "src" / "lib.rs").write_text(body)
    return root


def test_dep_lines_then_code_in_one_cell(kernel, tmp_path):
    first = make_crate(
        tmp_path / "first",
        "ndplay-sem-first",
        'pub fn answer() -> i32 { 42 }\n#[cfg(feature = "extra")]\npub fn extra() -> i32 { 7 }\n',
        features="extra = []",
    )
    second = make_crate(tmp_path / "second", "ndplay_sem_second", "pub fn second() -> i32 { 100 }\n")
    ok(kernel, "let dep_keep = 5;\nlet dep_arr = array![1.0, 2.0];")
    cell = kernel.run(
        f':dep ndplay-sem-first = {{ path = "{first}", features = ["extra"] }}\n'
        f":dep {second}\n"
        "let dep_sum = ndplay_sem_first::answer() + ndplay_sem_first::extra() + dep_keep;\n"
        "dep_sum + ndplay_sem_second::second()"
    )
    assert cell.status == "ok", cell.outputs
    assert cell.plain_results == ["154"]
    # The prelude and every variable are still there, and the crates in later cells.
    assert value(kernel, "(dep_arr.sum(), dep_keep, dep_sum)") == ["(3.0, 5, 54)"]
    assert value(kernel, "ndplay_sem_second::second() - 1") == ["99"]


def test_a_dep_crates_statics_start_again_in_every_cell_and_it_is_said(kernel, tmp_path):
    # evcxr keeps them (its `crate_deps` test); here each cell links the crate anew, and the
    # note at the `:dep` says what follows. The second cell checks the note is true.
    crate = make_crate(
        tmp_path / "counter",
        "ndplay_sem_counter",
        "use std::sync::atomic::{AtomicU32, Ordering};\nstatic N: AtomicU32 = AtomicU32::new(0);\n"
        "pub fn set(v: u32) { N.store(v, Ordering::SeqCst); }\npub fn get() -> u32 { N.load(Ordering::SeqCst) }\n",
    )
    cell = kernel.run(f":dep {crate}\nndplay_sem_counter::set(765);\nndplay_sem_counter::get()")
    assert cell.status == "ok" and cell.plain_results == ["765"], cell.outputs
    assert "`ndplay_sem_counter` added" in cell.stderr and "starts again in every cell" in cell.stderr
    assert value(kernel, "ndplay_sem_counter::get()") == ["0"]


def test_an_error_below_dep_lines_points_at_its_line_in_the_cell(kernel, tmp_path):
    crate = make_crate(tmp_path / "third", "ndplay_sem_third", "pub fn three() -> i32 { 3 }\n")
    cell = kernel.run(f':dep ndplay_sem_third = {{ path = "{crate}" }}\n\nlet dep_bad: i32 = "no";')
    assert cell.status == "error"
    assert cell.error["ename"] == "E0308"
    assert re.search(r"\b3\s*\|\s*let dep_bad", report(cell)), report(cell)


def test_a_dep_that_cannot_be_added_says_why_and_runs_no_code(kernel, tmp_path):
    cell = kernel.run(f":dep {tmp_path}/missing\nlet dep_never = 1;")
    assert cell.status == "error"
    assert "Cargo.toml" in report(cell)
    assert kernel.run("dep_never").status == "error"


# --- Output order and evcxr_display ------------------------------------------------------


def streams(cell):
    """The cell's stream outputs in the order they arrived: (name, text), with consecutive
    texts of one stream joined, as a notebook shows them."""
    out = []
    for o in cell.outputs:
        if o["msg_type"] != "stream":
            continue
        name, text = o["content"]["name"], o["content"]["text"]
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + text)
        else:
            out.append((name, text))
    return out


def test_stdout_and_stderr_of_a_cell_arrive_in_the_order_written(kernel):
    for _ in range(5):  # the race it replaces was lost now and then, not always
        cell = ok(kernel, 'println!("A"); eprintln!("B"); println!("C"); eprint!("D"); eprintln!(); println!("E");')
        assert streams(cell) == [
            ("stdout", "A\n"), ("stderr", "B\n"), ("stdout", "C\n"), ("stderr", "D\n"), ("stdout", "E\n")
        ]


def test_interleaved_lines_from_a_loop_and_a_thread_keep_their_order(kernel):
    cell = ok(
        kernel,
        'for i in 0..200 { if i % 2 == 0 { println!("{i}") } else { eprintln!("{i}") } }\n'
        'std::thread::spawn(|| eprintln!("thread")).join().unwrap();\nprintln!("last");',
    )
    seen = [(name, line) for name, text in streams(cell) for line in text.splitlines()]
    assert seen[:200] == [("stdout" if i % 2 == 0 else "stderr", str(i)) for i in range(200)]
    assert seen[200:] == [("stderr", "thread"), ("stdout", "last")]


def test_dbg_names_the_cells_line_returns_its_value_and_keeps_order(kernel):
    ok(kernel, "let od_x = 4;")
    cell = ok(kernel, 'println!("before");\nlet od_y = dbg!(od_x * 2) + 1;\ndbg!();\nod_y')
    assert streams(cell) == [("stdout", "before\n"), ("stderr", "[line 2] od_x * 2 = 8\n[line 3]\n")]
    assert cell.plain_results == ["9"]
    pair = ok(kernel, 'dbg!(1u8, "two")')
    assert pair.stderr == '[line 1] 1u8 = 1\n[line 1] "two" = "two"\n'
    assert pair.plain_results == ['(1, "two")']
    # A mistake inside the kernel's dbg! points at the call in the cell, as std's would.
    wrong = kernel.run("struct OdNoDebug;\nlet od_z = 1; dbg!(OdNoDebug);")
    assert wrong.error["ename"] == "E0277"
    assert "--> cell:2:15" in report(wrong) and "dbg!(OdNoDebug)" in report(wrong)


def test_a_value_with_its_own_evcxr_display_is_shown_by_it(kernel):
    ok(
        kernel,
        "pub struct EdMatrix<T> { values: Vec<T>, cols: usize }\n"
        "impl<T: std::fmt::Debug> EdMatrix<T> {\n"
        "    pub fn evcxr_display(&self) {\n"
        '        let mut html = String::from("<table>");\n'
        "        for row in self.values.chunks(self.cols) {\n"
        '            html.push_str("<tr>");\n'
        '            for v in row { html.push_str(&format!("<td>{v:?}</td>")); }\n'
        '            html.push_str("</tr>");\n'
        "        }\n"
        '        println!("EVCXR_BEGIN_CONTENT text/html\\n{html}</table>\\nEVCXR_END_CONTENT");\n'
        '        println!("EVCXR_BEGIN_CONTENT text/plain\\n{} values\\nEVCXR_END_CONTENT", self.values.len());\n'
        "    }\n"
        "}",
    )
    cell = ok(kernel, "let ed_m = EdMatrix { values: vec![1, 2, 3, 4], cols: 2 };\ned_m")
    assert cell.result["text/html"] == "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>"
    assert cell.result["text/plain"] == "4 values"
    assert cell.stdout == ""
    # Kept from the earlier cell, in a later one; and a JSON type arrives as JSON.
    assert ok(kernel, "ed_m").result["text/plain"] == "4 values"
    ok(
        kernel,
        "struct EdPlot;\nimpl EdPlot { fn evcxr_display(&self) {\n"
        '    println!("said first");\n'
        '    println!("EVCXR_BEGIN_CONTENT application/vnd.plotly.v1+json'
        '\\n{{\\"data\\": [1, 2]}}\\nEVCXR_END_CONTENT");\n'
        "} }",
    )
    plot = ok(kernel, "EdPlot")
    assert plot.result["application/vnd.plotly.v1+json"] == {"data": [1, 2]}
    assert plot.stdout == "said first\n"


def test_evcxr_display_that_panics_shows_what_it_printed_and_the_panic(kernel):
    ok(
        kernel,
        "struct EdBad;\nimpl EdBad { fn evcxr_display(&self) {\n"
        '    println!("EVCXR_BEGIN_CONTENT text/html\\n<b>half");\n    panic!("drawing failed");\n} }',
    )
    cell = kernel.run("EdBad")
    assert cell.status == "error" and "drawing failed" in report(cell)
    assert cell.of_type("execute_result") == []
    assert "<b>half" in cell.stdout


def test_render_comes_before_evcxr_display_and_debug_after(kernel):
    ok(
        kernel,
        "#[derive(Debug)] struct EdBoth;\n"
        "impl Render for EdBoth { fn mime_bundle(&self) -> MimeBundle { MimeBundle::new(\"by Render\") } }\n"
        'impl EdBoth { fn evcxr_display(&self) { '
        'println!("EVCXR_BEGIN_CONTENT text/plain\\nby evcxr\\nEVCXR_END_CONTENT"); } }\n'
        "#[derive(Debug)] struct EdPlain;",
    )
    assert value(kernel, "EdBoth") == ["by Render"]
    assert value(kernel, "EdPlain") == ["EdPlain"]


def test_a_crates_type_with_evcxr_display_is_shown_by_it_and_a_private_one_is_not(kernel, tmp_path):
    crate = make_crate(
        tmp_path / "fancy",
        "ndplay_sem_fancy",
        "pub struct Fancy(pub u8);\nimpl Fancy {\n    pub fn evcxr_display(&self) {\n"
        '        println!("EVCXR_BEGIN_CONTENT text/html\\n<i>fancy {}</i>\\nEVCXR_END_CONTENT", self.0);\n    }\n}\n'
        "#[derive(Debug)]\npub struct Quiet;\nimpl Quiet {\n    #[allow(dead_code)]\n"
        "    fn evcxr_display(&self) { println!(\"private\"); }\n}\n"
        # As evcxr_image does it: a trait, imported by the cell, gives a crate's type its display.
        "#[derive(Debug)]\npub struct Picture;\npub trait PictureDisplay { fn evcxr_display(&self); }\n"
        "impl PictureDisplay for Picture { fn evcxr_display(&self) { "
        'println!("EVCXR_BEGIN_CONTENT image/png\\nAAAA\\nEVCXR_END_CONTENT"); } }\n',
    )
    ok(kernel, f":dep {crate}")
    assert ok(kernel, "ndplay_sem_fancy::Fancy(3)").result["text/html"] == "<i>fancy 3</i>"
    quiet = ok(kernel, "ndplay_sem_fancy::Quiet")
    assert quiet.plain_results == ["Quiet"] and quiet.stdout == ""
    assert ok(kernel, "ndplay_sem_fancy::Picture").plain_results == ["Picture"]
    assert ok(kernel, "use ndplay_sem_fancy::PictureDisplay;\nndplay_sem_fancy::Picture").result["image/png"] == "AAAA"
    # Other values are shown as before with the trait in scope.
    assert value(kernel, "[1u8, 2]") == ["[1, 2]"]


def test_a_dep_that_rebuilds_the_prelude_restarts_the_process_and_says_what_was_lost(kernel, tmp_path):
    # `image` does this through num-traits; here a crate asks serde_json (which the prelude
    # uses) for a feature the prelude does not: cargo builds serde_json again, and the prelude
    # with it. Before, every later cell failed to load ("undefined symbol").
    crate = tmp_path / "feat"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "ndplay_sem_feat"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nserde_json = { version = "1", features = ["float_roundtrip"] }\n'
    )
    (crate / "src" / "lib.rs").write_text("pub fn parsed(s: &str) -> f64 { serde_json::from_str(s).unwrap() }\n")
    ok(kernel, "let fe_before = 3;")
    cell = kernel.run(f":dep {crate}\nndplay_sem_feat::parsed(\"2.5\") * 2.0", timeout=900)
    assert cell.status == "ok", cell.outputs
    assert cell.plain_results == ["5.0"]
    assert "rebuilt the prelude" in cell.stderr and "fe_before" in cell.stderr and ":restore" in cell.stderr
    # Later cells load, with the prelude and the crate; the lost variable is said to be gone.
    assert value(kernel, "let fe_a = array![1.0, 2.0];\nfe_a.sum()") == ["3.0"]
    assert kernel.run("fe_before").status == "error"
