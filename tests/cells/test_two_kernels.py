"""Two notebooks open at once: two kernels, each with its own build directory, sharing the
compiled dependencies."""
import os

from jupyter_client.manager import KernelManager


def test_a_second_kernel_works_beside_the_first(kernel):
    kernel.run("let first_kernel_value = 1;")
    km = KernelManager(kernel_name=os.environ.get("NDPLAY_KERNEL_NAME", "ndplay"))
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        outputs = []
        reply = kc.execute_interactive(
            "let a = array![1, 2, 3]; a.sum()", timeout=600, output_hook=outputs.append
        )
        assert reply["content"]["status"] == "ok", outputs
        results = [o["content"]["data"]["text/plain"] for o in outputs if o["msg_type"] == "execute_result"]
        assert results == ["6"]
        # The kernels do not share variables.
        reply = kc.execute_interactive("first_kernel_value", timeout=120, output_hook=lambda m: None)
        assert reply["content"]["status"] == "error"
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    # And the first kernel is unaffected.
    assert kernel.run("first_kernel_value + 1").result["text/plain"] == "2"
