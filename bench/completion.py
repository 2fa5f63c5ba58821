"""Issue 27's completion row of the benchmark (goal 3): the first Tab in a fresh kernel, and
the kernel's memory after twenty varied Tabs, with rust-analyzer's process if one ran.

The Tabs are tests/tools/completion_probe.py's (`probe`), in fresh kernels started as the
benchmark starts every ndplay kernel (from a warm spare); tests/cells/test_completion.py
asserts on the same numbers with CI's margins.
"""
import completion_probe
from fresh_kernels import in_fresh_kernels
from goals import GOALS


def bench(start_session, wait_for_spare, args, sessions):
    """`sessions` fresh ndplay kernels, one probe each."""
    runs = in_fresh_kernels(start_session, wait_for_spare, args, sessions, completion_probe.probe)
    for r in runs:
        r["first_matches"] = r["first_matches"][:10]
    return {"runs": runs}


def goal_rows(res, row, median, fmt_s, fmt_mb):
    """The goal's rows, through the table's `row(goal, measured, holds)`."""
    if not res:
        return
    runs = res["runs"]
    first = median([r["first_tab_s"] for r in runs])
    tabs = median([median(r["tab_s"]) for r in runs])
    growth = median([r["kernel_rss_after_mb"] - r["kernel_rss_before_mb"] for r in runs])
    before = median([r["kernel_rss_before_mb"] for r in runs])
    helper = max(r["analysis_rss_mb"] for r in runs)
    first_tab, tabs_memory = GOALS["first_tab"], GOALS["tabs_memory_mb"]
    row(first_tab.label(),
        f"{fmt_s(first)} (then a median of {tabs * 1000:.1f} ms a Tab); first offers: "
        f"{', '.join(runs[0]['first_matches'][:5])}", first_tab.holds(first))
    row(tabs_memory.label(),
        f"+{fmt_mb(growth)} (from {fmt_mb(before)}); rust-analyzer's process: "
        f"{fmt_mb(helper) if helper else 'not started'}", tabs_memory.holds(growth))
