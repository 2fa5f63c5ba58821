"""Two notebooks open at once: two kernels, each with its own build directory, sharing the
compiled dependencies."""
from ndplay_harness import Kernel


def test_a_second_kernel_works_beside_the_first(kernel):
    kernel.run("let first_kernel_value = 1;")
    with Kernel(ready_timeout=60) as second:
        cell = second.run("let a = array![1, 2, 3]; a.sum()", timeout=600)
        assert cell.status == "ok", cell.outputs
        assert cell.plain_results == ["6"]
        # The kernels do not share variables.
        cell = second.run("first_kernel_value", timeout=120)
        assert cell.status == "error"
    # And the first kernel is unaffected.
    assert kernel.run("first_kernel_value + 1").result["text/plain"] == "2"
