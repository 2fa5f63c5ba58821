"""Widgets, input, progress and timeit through the installed kernel: what a student's
browser sends (comm messages on shell) and what comes back, without a browser.

The moves are sent as JupyterLab's widget manager sends them: a `comm_msg` with
`{"method": "update", "state": {...}, "buffer_paths": []}` on shell; everything the kernel
publishes for it has that message as parent, between its busy and idle."""
import re
import threading
import time

from ndplay_harness import traceback_text

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def opened(cell):
    """The comm_open messages of a cell: {model name: [comm ids]} and the messages."""
    models = {}
    for m in cell.outputs:
        if m["msg_type"] == "comm_open":
            models.setdefault(m["content"]["data"]["state"]["_model_name"], []).append(m["content"]["comm_id"])
    return models


def send_shell(kernel, msg_type, content, timeout=30):
    """Sends one shell message and collects what the kernel publishes for it, up to its
    idle: (statuses, other messages, seconds to idle)."""
    msg = kernel.kc.session.msg(msg_type, content)
    kernel.kc.shell_channel.send(msg)
    msg_id = msg["header"]["msg_id"]
    statuses, outputs = [], []
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        m = kernel.kc.get_iopub_msg(timeout=deadline - time.monotonic())
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        if m["msg_type"] == "status":
            statuses.append(m["content"]["execution_state"])
            if statuses[-1] == "idle":
                return statuses, outputs, time.monotonic() - started, msg_id
        else:
            outputs.append(m)
    raise AssertionError(f"no idle for {msg_type} within {timeout} s: {outputs}")


def move(kernel, comm_id, value, timeout=30):
    return send_shell(
        kernel,
        "comm_msg",
        {"comm_id": comm_id, "data": {"method": "update", "state": {"value": value}, "buffer_paths": []}},
        timeout,
    )


def shown(outputs):
    """The text/plain of every display_data among `outputs`."""
    return [m["content"]["data"].get("text/plain") for m in outputs if m["msg_type"] == "display_data"]


def make_interact(kernel, code):
    cell = kernel.run(code)
    assert cell.status == "ok", cell.outputs
    models = opened(cell)
    slider = (models.get("IntSliderModel") or models.get("FloatSliderModel"))[0]
    output = models["OutputModel"][0]
    return cell, slider, output


def test_a_slider_is_an_ipywidgets_model_with_a_text_fallback(kernel):
    cell = kernel.run('let s = slider("n", 0..=10).initial(3); s')
    assert cell.status == "ok", cell.outputs
    opens = [m for m in cell.outputs if m["msg_type"] == "comm_open"]
    assert all(m["content"]["target_name"] == "jupyter.widget" for m in opens)
    assert all(m["metadata"]["version"] == "2.1.0" for m in opens)
    slider = [m for m in opens if m["content"]["data"]["state"]["_model_name"] == "IntSliderModel"][0]
    state = slider["content"]["data"]["state"]
    assert (state["min"], state["max"], state["step"], state["description"]) == (0, 10, 1, "n")
    assert state["_model_module_version"] == "2.0.0"
    layout = state["layout"].removeprefix("IPY_MODEL_")
    assert layout in opened(cell)["LayoutModel"], "the layout is opened before the slider"
    view = cell.result[WIDGET_VIEW]
    assert view == {"model_id": slider["content"]["comm_id"], "version_major": 2, "version_minor": 0}
    assert cell.result["text/plain"] == "n = 3 (slider 0..=10, step 1)"
    # A float range makes a float slider.
    cell = kernel.run('slider("x", 0.0..=2.0)')
    assert "FloatSliderModel" in opened(cell), cell.outputs


def test_a_move_reruns_the_closure_in_the_output_widget_without_compiling(kernel):
    cell, slider, output = make_interact(kernel, 'let k = slider("k", 0..=10).initial(2);\ninteract(&k, |n| n * 7)')
    first = [m for m in cell.outputs if m["msg_type"] == "comm_open" and m["content"]["comm_id"] == output][0]
    assert first["content"]["data"]["state"]["outputs"][0]["data"]["text/plain"] == "14"
    assert cell.result["text/plain"].splitlines() == ["k = 2 (slider 0..=10, step 1)", "→ 14"]
    statuses, outputs, seconds, msg_id = move(kernel, slider, 6)
    assert statuses == ["busy", "idle"]
    assert all(m["parent_header"]["msg_id"] == msg_id for m in outputs)
    updates = [m["content"] for m in outputs if m["msg_type"] == "comm_msg"]
    assert {"comm_id": slider, "data": {"method": "echo_update", "state": {"value": 6}, "buffer_paths": []}} in updates
    routed = [u for u in updates if u["comm_id"] == output and u["data"]["state"].get("msg_id") == msg_id]
    assert routed, "the output widget is pointed at the move's message first"
    assert shown(outputs) == ["42"], outputs
    assert seconds < 1.0, f"a move took {seconds:.2f} s: something compiled"
    # The value the browser set is what a later cell reads.
    assert kernel.run("k.value()").result["text/plain"] == "6"


def test_a_panic_in_a_closure_is_an_error_in_its_output_and_the_widget_goes_on(kernel):
    _, slider, _ = make_interact(
        kernel, 'let p = slider("p", 0..=3);\ninteract(&p, |n| { if n == 2 { panic!("no twos here") } n * 10 })'
    )
    statuses, outputs, _, msg_id = move(kernel, slider, 2)
    errors = [m for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1, outputs
    assert errors[0]["parent_header"]["msg_id"] == msg_id
    assert "no twos here" in traceback_text(errors[0]["content"])
    _, outputs, _, _ = move(kernel, slider, 3)
    assert shown(outputs) == ["30"], outputs
    assert kernel.run("p.value() + 1").result["text/plain"] == "4"


def test_an_endless_closure_is_interrupted_and_nothing_is_lost(kernel):
    kernel.run("let kept_through_widgets = 5;")
    _, slider, output = make_interact(
        kernel, 'let e = slider("e", 0..=3);\ninteract(&e, |n| { if n == 1 { loop { std::hint::spin_loop() } } n })'
    )
    result = {}
    t = threading.Thread(target=lambda: result.update(r=move(kernel, slider, 1)))
    t.start()
    time.sleep(1.5)
    started = time.monotonic()
    kernel.interrupt()
    t.join(timeout=15)
    assert not t.is_alive()
    assert time.monotonic() - started < 3
    _, outputs, _, _ = result["r"]
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert errors and errors[0]["ename"] == "Interrupted", outputs
    # The move was stopped with its Output widget still capturing (msg_id set): JupyterLab
    # would then swallow the idle the slider waits for, and the slider would never move
    # again. The kernel releases it before the idle.
    captures = [
        m["content"]["data"]["state"]["msg_id"]
        for m in outputs
        if m["msg_type"] == "comm_msg"
        and m["content"]["comm_id"] == output
        and "msg_id" in m["content"]["data"].get("state", {})
    ]
    assert captures and captures[-1] == "", f"the Output widget is left capturing: {captures}"
    _, outputs, _, _ = move(kernel, slider, 2)
    assert shown(outputs) == ["2"], outputs
    assert kernel.run("kept_through_widgets * 2").result["text/plain"] == "10"


def test_comm_info_and_the_control_comm_list_the_widgets(kernel):
    cell = kernel.run('let c = checkbox("on", true); c')
    box = opened(cell)["CheckboxModel"][0]
    assert cell.result["text/plain"] == "[x] on"
    msg_id = kernel.kc.comm_info(target_name="jupyter.widget")
    reply = kernel.kc.get_shell_msg(timeout=10)
    assert reply["parent_header"]["msg_id"] == msg_id
    comms = reply["content"]["comms"]
    assert comms[box] == {"target_name": "jupyter.widget"}
    # The frontend's control comm (a page reload): every model's state in one message.
    control = "control-comm-of-this-test"
    send_shell(kernel, "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}})
    _, outputs, _, _ = send_shell(kernel, "comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
    states = [m["content"]["data"] for m in outputs if m["msg_type"] == "comm_msg"]
    assert states and states[0]["method"] == "update_states", outputs
    entry = states[0]["states"][box]
    assert entry["model_name"] == "CheckboxModel" and entry["model_module"] == "@jupyter-widgets/controls"
    assert entry["state"]["value"] is True
    # One widget's state (the fallback of older frontends).
    _, outputs, _, _ = send_shell(kernel, "comm_msg", {"comm_id": box, "data": {"method": "request_state"}})
    assert outputs[0]["content"]["data"]["state"]["_model_name"] == "CheckboxModel"


def run_with_stdin(kernel, code, allow_stdin, answer=None, timeout=60):
    outputs, prompts = [], []

    def hook(msg):
        prompts.append(msg["content"])
        kernel.kc.input(answer)

    reply = kernel.kc.execute_interactive(
        code,
        allow_stdin=allow_stdin,
        stdin_hook=hook,
        timeout=timeout,
        output_hook=lambda m: outputs.append(m) if m["msg_type"] != "status" else None,
    )
    return reply["content"], outputs, prompts


def test_input_is_asked_on_the_stdin_channel(kernel):
    reply, outputs, prompts = run_with_stdin(kernel, 'let who = input("name? ");\nformat!("hi {who}")', True, "Ada")
    assert reply["status"] == "ok", outputs
    assert prompts == [{"prompt": "name? ", "password": False}]
    assert [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"] == ['"hi Ada"']
    reply, _, prompts = run_with_stdin(kernel, 'password("secret: ").len()', True, "hunter2")
    assert prompts == [{"prompt": "secret: ", "password": True}]


def test_input_without_allow_stdin_fails_at_once_saying_why(kernel):
    started = time.monotonic()
    reply, outputs, prompts = run_with_stdin(kernel, 'input("name? ")', False)
    assert reply["status"] == "error"
    assert prompts == []
    assert "allow_stdin" in traceback_text(reply)
    assert time.monotonic() - started < 10


def test_plain_stdin_never_hangs(kernel):
    kernel.run("let before_stdin = 3;")
    code = "let mut line = String::new();\nstd::io::stdin().read_line(&mut line).unwrap();\nline.trim().to_string()"
    started = time.monotonic()
    reply, outputs, _ = run_with_stdin(kernel, code, False)
    assert reply["status"] == "error", outputs
    assert reply["ename"] == "StdinError"
    assert "input(" in traceback_text(reply)
    assert time.monotonic() - started < 10
    assert kernel.run("before_stdin + 1").result["text/plain"] == "4"
    # With someone to answer, it is served like input().
    reply, outputs, prompts = run_with_stdin(kernel, code, True, "typed")
    assert reply["status"] == "ok", outputs
    assert prompts and prompts[0]["prompt"] == ""
    assert [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"] == ['"typed"']


def test_timeit_reports_as_ipython(kernel):
    cell = kernel.run("let v: Vec<i64> = (0..1000).collect();\ntimeit(|| v.iter().sum::<i64>())", timeout=120)
    assert cell.status == "ok", cell.outputs
    text = cell.result["text/plain"]
    unit = r"(ns|µs|ms|s)"
    pattern = rf"^\d[\d.]* {unit} ± \d[\d.]* {unit} per loop \(mean ± std\. dev\. of 7 runs, [\d,]+ loops? each\)$"
    assert re.match(pattern, text), text


def test_timeit_n_runs_as_asked_without_calibrating(kernel):
    cell = kernel.run(
        "let mut calls = 0u64;\nlet t = timeit_n(100, 3, || calls += 1);\nprintln!(\"{calls}\");\nt", timeout=120
    )
    assert cell.status == "ok", cell.outputs
    assert cell.stdout == "300\n"
    assert cell.result["text/plain"].endswith("per loop (mean ± std. dev. of 3 runs, 100 loops each)")
    refused = kernel.run("timeit_n(0, 3, || 1)")
    assert refused.status == "error"
    assert "needs at least 1 loop and 1 run (got 0 and 3)" in traceback_text(refused.error), refused.outputs


def test_progress_updates_one_bar_in_place(kernel):
    cell = kernel.run(
        "let mut total = 0;\n"
        "for i in progress(0..30) { total += i; std::thread::sleep(std::time::Duration::from_millis(10)); }\ntotal"
    )
    assert cell.status == "ok", cell.outputs
    displays = cell.of_type("display_data")
    assert len(displays) == 1, cell.outputs
    bar_id = displays[0]["transient"]["display_id"]
    updates = cell.of_type("update_display_data")
    assert updates and all(u["transient"]["display_id"] == bar_id for u in updates)
    assert updates[-1]["data"]["text/plain"].startswith("30/30 [")
    assert len(updates) < 30, "the bar is redrawn at most every 100 ms"
    assert cell.result["text/plain"] == "435"


def test_a_fresh_process_closes_the_widgets_with_a_notice(kernel):
    # Last in this file: `:clear` drops every variable of the session.
    cell = kernel.run('let gone = slider("gone", 0..=1); gone')
    ids = [m["content"]["comm_id"] for m in cell.outputs if m["msg_type"] == "comm_open"]
    cell = kernel.run(":clear")
    closed = {c["comm_id"] for c in cell.of_type("comm_close")}
    assert set(ids) <= closed, cell.outputs
    assert "widgets of earlier cells were closed" in cell.stderr
    kernel.kc.comm_info(target_name="jupyter.widget")
    assert kernel.kc.get_shell_msg(timeout=10)["content"]["comms"] == {}
