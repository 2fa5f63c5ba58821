"""The kernel against jupyter_kernel_test (0.7.0), every test enabled but the pager;
the iopub_welcome test (JEP 65) too.

Runs the installed kernel named by NDPLAY_KERNEL_NAME (default "ndplay"), found through
JUPYTER_PATH, with real Rust cells: the kernel is started once for the whole class.
"""
import os
import time
import unittest

import jupyter_kernel_test


class NdplayKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("NDPLAY_KERNEL_NAME", "ndplay")

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # The kernel answers kernel_info at once, but loads the prelude in the background
        # (seconds when warm, minutes on a cold cache); jupyter_kernel_test waits only 15 s
        # per reply. Wait here, once, for a first cell.
        reply = cls.kc.execute_interactive("1", timeout=600, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]
        # The completion index `ndplay install` built answers an inspection of a prelude name
        # at once. Without one (an install with --no-warm), rust-analyzer starts on the first
        # request and loads the standard library and the dependencies before it answers:
        # seconds on an idle machine, over 30 s on a loaded one (measured at load 6). Wait
        # for an answer here, once.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            cls.kc.inspect(cls.code_inspect_sample, len(cls.code_inspect_sample))
            if cls.kc.get_shell_msg(timeout=60)["content"].get("found"):
                break
        else:
            raise AssertionError("rust-analyzer did not answer an inspection within 300 s")

    language_name = "rust"
    file_extension = ".rs"

    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("to stderr");'

    completion_samples = [
        {"text": "let ndplay_test_value = 1;\nndplay_test_va", "matches": {"ndplay_test_value"}},
        {"text": "array![1.0, 2.0].su"},
    ]

    complete_code_samples = ["let x = 1;", "fn f() {}", "array![1, 2]", "let s = \"}\";", "'a'"]
    incomplete_code_samples = ["fn f() {", "let v = vec![1,", '"abc', "/* open", "let x ="]
    invalid_code_samples = ["}", "let x = (1]", ")"]

    code_generate_error = 'let x: i32 = "text";'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "array![1, 2, 3].sum()", "result": "6"},
        {"code": "array![1.0, 2.0]", "mime": "text/html"},
    ]
    # Must match exactly one distinct input of code_execute_result (search is a glob).
    code_history_pattern = "1 + ?"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'display(&Html("<b>bold</b>".to_string()));', "mime": "text/html"},
        {"code": "display(&array![[1, 2], [3, 4]]);", "mime": "text/plain"},
    ]

    code_inspect_sample = "outer"

    code_clear_output = "clear_output();"


class NdplayIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    """JEP 65: the kernel's IOPub is an XPUB socket that welcomes each new subscriber. This
    starts a second kernel, but runs no cell in it: the welcome needs no engine."""

    kernel_name = NdplayKernelTests.kernel_name
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
