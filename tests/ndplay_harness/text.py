"""What a student reads of an output, as plain text: the kernel colours its reports with
ANSI escapes (SGR only), which the tests and tools match without."""
import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text):
    return ANSI.sub("", text)


def traceback_text(error):
    """An error's traceback as one plain text: `error` is an `error` output's content
    (`Cell.error`) or an execute_reply's content with status "error"."""
    return strip_ansi("\n".join(error["traceback"]))
