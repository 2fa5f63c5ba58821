"""Issue 14's row of the benchmark: a slider move through the kernel, from the `comm_msg`
to the new output of a closure that renders a 100x100 array, and to the move's idle.

The moves are tests/tools/widget_moves.py's (`time_moves`), sent as JupyterLab's widget
manager sends them, in fresh kernels started as the benchmark starts every ndplay kernel.
This is the kernel's share of the 100 ms goal; the browser tier (tests/browser) measures
the whole way to the painted output.
"""
import widget_moves
from fresh_kernels import in_fresh_kernels

# Moves timed in each kernel (the first one of each kernel is timed too: no warm-up).
MOVES = 30


def bench(start_session, wait_for_spare, args, sessions):
    """`sessions` fresh ndplay kernels, MOVES moves each; milliseconds per move."""
    runs = in_fresh_kernels(start_session, wait_for_spare, args, sessions,
                            lambda kernel: widget_moves.time_moves(kernel, MOVES))
    return {"moves": MOVES, "runs": [{key: [t * 1e3 for t in v] for key, v in times.items()} for times in runs]}
