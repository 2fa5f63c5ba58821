"""The benchmark's goals, each with the issue that set it: the rows of bench.py's goals table
(and bench/completion.py's), checked against what a run measured. A limit is written here
once; the row's words show it through `{limit}`.

tests/cells/test_completion.py checks issue 27's completion goals with CI's own, wider
margins: those are the tests', not these."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    issue: int
    # The row's words: `{limit}` is the limit below; other `{fields}` come from the run.
    text: str
    # The goal holds when the measured value is ≤ limit (× the base, for a ratio). None: a
    # figure that is only reported.
    limit: float | None = None

    def label(self, **fields):
        # Issue 12's rows, the table's first, carry no prefix: the heading names that issue.
        prefix = "" if self.issue == 12 else f"issue {self.issue}: "
        limit = "" if self.limit is None else f"{self.limit:g}"
        return prefix + self.text.format(limit=limit, **fields)

    def holds(self, measured, base=1.0):
        """True or False; None when a figure is missing (the row says "—")."""
        if self.limit is None or measured is None or base is None:
            return None
        return measured <= self.limit * base


GOALS = {
    # Issue 12: cells at the compiler's floor.
    "cell_vs_evcxr": Goal(12, "per-cell median ≤ {limit}× tuned evcxr_jupyter", 0.4),
    "cell_vs_floor": Goal(12, "per-cell median ≤ {limit}× the compile floor", 1.5),
    "p95_vs_median": Goal(12, "p95 ≤ {limit}× the median", 1.5),
    "first_array": Goal(12, "first array ≤ {limit} s with a spare waiting", 0.5),
    "first_array_cold": Goal(12, "first array ≤ {limit} s with none (NDPLAY_SPARE=0)", 3.0),
    "first_array_second_notebook": Goal(12, "… and for the second of two notebooks opened together", 3.0),
    "matmul": Goal(12, "matmul cell (20 × 300×300 `dot`) ≤ {limit} s", 0.3),
    "heavy": Goal(12, "generic-heavy cell ≤ {limit} s whole", 0.3),
    "drift": Goal(12, "{cells}-cell session: last-20 median ≤ {limit}× cells 2–21", 1.25),
    "drift_memory_mb": Goal(12, "… memory growth ≤ {limit} MB", 100),
    "lesson_rss_mb": Goal(12, "kernel and child ≤ {limit} MB after lesson 1a (RSS)", 400),
    "spare_rss_mb": Goal(12, "an idle spare ≤ {limit} MB (with its cell process, RSS)", 400),
    # Issue 13: nothing lost (a snapshot before each cell).
    "snapshot_cost_ms": Goal(13, "snapshot cost ≤ {limit} ms a cell (median with − without)", 5),
    "snapshot_memory": Goal(13, "memory of a waiting snapshot (reported)"),
    "stop_to_usable": Goal(13, "stop button → usable kernel with all variables ≤ {limit} s", 0.5),
    # Issue 25: errors that teach.
    "compile_error": Goal(25, "a compile error answers in < {limit} s (median of {cells} NumPy-habit cells)", 0.2),
    # Issue 27: the compiled-cell cache, and completion.
    "rerun_lesson": Goal(27, "Restart + Run All of lesson 1 the second time ≤ {limit} s whole (cell cache on; "
                         "its {parts} parts one after another)", 5.0),
    "rerun_check": Goal(27, "`ndplay check` of the {notebooks} notebooks the second time ≤ {limit} s", 25.0),
    "first_tab": Goal(27, "the first Tab (`a.` on an Array1<f64>) ≤ {limit} s", 0.5),
    "tabs_memory_mb": Goal(27, "kernel memory after 20 varied Tabs ≤ +{limit} MB", 60),
    "fresh_machine_s": Goal(27, "a fresh machine: scripts/lab.sh from a clean clone to a first cell's answer "
                            "≤ {limit} s (bench/fresh_machine.py)", 480),
    # Issue 14: widgets.
    "slider_move_ms": Goal(14, "slider move → new 100×100 output ≤ {limit} ms (kernel side, {moves} moves)", 100),
}
