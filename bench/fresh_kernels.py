"""What the benchmark's per-kernel rows share: a measurement run once in each of a number of
fresh ndplay kernels, each started as the benchmark starts every ndplay kernel (from a warm
spare, waited for first)."""


def in_fresh_kernels(start_session, wait_for_spare, args, sessions, measure):
    """`measure(kernel)` in `sessions` fresh ndplay kernels; its results, in order."""
    results = []
    for _ in range(sessions):
        wait_for_spare(args)
        s, _ = start_session("ndplay", args)
        try:
            results.append(measure(s.kernel))
        finally:
            s.close()
    return results
