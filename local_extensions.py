"""Jinja filters of the template.

Answers such as the project name may hold quotes, backslashes or non-ASCII
letters. Writing them into Python (the hooks) or TOML (pyproject.toml)
through `py_str` and `toml_str` keeps the files valid whatever the answer is.
`lock_name` picks the service's dependency lock for the answers.
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


class LiteralExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["py_str"] = python_string
        environment.filters["toml_str"] = toml_string
        environment.filters["lock_name"] = lock_name
