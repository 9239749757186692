"""Jinja filters that turn a free-text answer into a safe string literal.

Answers such as the project name may hold quotes, backslashes or non-ASCII
letters. Writing them into Python (the hooks) or TOML (pyproject.toml)
through these filters keeps the files valid whatever the answer is.
"""

from jinja2.ext import Extension


def _escape(text: str, quote: str, control: str) -> str:
    out = []
    for char in text:
        if char in ("\\", quote):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(control % ord(char))
        else:
            out.append(char)
    return "".join(out)


def python_string(text: str) -> str:
    """A Python string literal."""
    return '"' + _escape(text, '"', "\\x%02x") + '"'


def toml_string(text: str) -> str:
    """A TOML basic string."""
    return '"' + _escape(text, '"', "\\u%04x") + '"'


class LiteralExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["py_str"] = python_string
        environment.filters["toml_str"] = toml_string
