"""Jinja filters of the template.

Answers such as the project name may hold quotes, backslashes or non-ASCII
letters. Writing them into Python (the hooks) or TOML (pyproject.toml)
through `py_str` and `toml_str` keeps the files valid whatever the answer is.
`lock_name` picks the service's dependency lock for the answers.

The extension also gives text without template syntax a fast path through
`from_string`: cookiecutter renders every file and directory name of the
service through it, nearly all of them plain, and compiling each as a
template is about a sixth of a bake's time.
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


# Answers that change what the service installs: each combination of them has
# a lock of its own in templates/locks/ (scripts/lock_service.py makes them).
DEPENDENCY_OPTIONS = (
    "use_sentry",
    "use_gdpr_api",
    "use_admin_sso",
    "use_audit_log_shipping",
)


def lock_name(answers) -> str:
    """The lock file, in templates/locks/, for these answers."""
    enabled = [key.removeprefix("use_") for key in DEPENDENCY_OPTIONS if answers[key]]
    return "-".join(enabled) or "base"


class PlainText:
    """A template without template syntax, which renders to its own text."""

    def __init__(self, text: str):
        self.text = text

    def render(self, *args, **kwargs) -> str:
        return self.text


def plain_text_first(environment):
    """`environment.from_string`, skipping Jinja for text without its syntax."""
    compile_template = environment.from_string
    openers = (
        environment.block_start_string,
        environment.variable_start_string,
        environment.comment_start_string,
    )
    if environment.line_statement_prefix or environment.line_comment_prefix:
        return compile_template  # any line could be syntax

    def from_string(source, *args, **kwargs):
        if isinstance(source, str) and not any(o in source for o in openers):
            return PlainText(source)
        return compile_template(source, *args, **kwargs)

    return from_string


class LiteralExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["py_str"] = python_string
        environment.filters["toml_str"] = toml_string
        environment.filters["lock_name"] = lock_name
        environment.from_string = plain_text_first(environment)
