"""Jinja filters of the template.

Answers such as the project name may hold quotes, backslashes or non-ASCII
letters. Writing them into Python (the hooks) or TOML (pyproject.toml)
through `py_str` and `toml_str` keeps the files valid whatever the answer is.
`lock_name` picks the service's dependency lock for the answers.
`saved_answers_hint` tells where cookiecutter saved this run's answers and
the command that generates again with them.

The extension also gives text without template syntax a fast path through
`from_string`: cookiecutter renders every file and directory name of the
service through it, nearly all of them plain, and compiling each as a
template is about a sixth of a bake's time.
"""

import logging
import os
import shlex

import click
from cookiecutter.config import get_user_config
from cookiecutter.replay import get_file_name
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


# The options of cookiecutter's own command line that a run again must repeat.
REPEATED_OPTIONS = ("checkout", "directory", "output_dir", "config_file")


def saved_answers_hint(answers) -> str:
    """Where this run's answers are saved, and the command that runs again with them.

    cookiecutter saves the answers (its replay file) before the hooks run; the
    path comes from its configuration and from how it was started. Empty when
    it was not started from its own command line (cruft, the Python API).
    """
    cli = click.get_current_context(silent=True)
    params = cli.params if cli else {}
    if not {"template", "replay_file", *REPEATED_OPTIONS} <= params.keys():
        return ""
    config = get_user_config(
        config_file=params["config_file"], default_config=params["default_config"]
    )
    if params["replay_file"]:  # a run from a replay file saves under its name
        name = os.path.splitext(os.path.basename(params["replay_file"]))[0]
    else:
        name = os.path.basename(os.path.abspath(answers["_repo_dir"]))
    saved = get_file_name(config["replay_dir"], name)
    if not os.path.isfile(saved):
        return ""
    command = ["cookiecutter", "--replay-file", saved]
    for option in REPEATED_OPTIONS:
        value = params[option]
        if value and not (option == "output_dir" and value == "."):
            command += [f"--{option.replace('_', '-')}", value]
    command.append(params["template"])
    return (
        f"Your answers are saved in {saved}.\n"
        "Fix the answers named above in that file, then generate again with them:\n"
        f"\n    {shlex.join(map(str, command))}\n"
    )


class RefusedAnswersWithoutTraceback(logging.Filter):
    """cookiecutter logs a traceback when a hook fails. When the answers were
    refused, the hook has said why and how to go on: that stays the last word."""

    def filter(self, record):
        if "pre_gen_project hook script didn't exit" in record.getMessage():
            record.exc_info = record.exc_text = None
        return True


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
        environment.filters["saved_answers_hint"] = saved_answers_hint
        environment.from_string = plain_text_first(environment)
        hooks_logger = logging.getLogger("cookiecutter.hooks")
        if not any(
            isinstance(f, RefusedAnswersWithoutTraceback) for f in hooks_logger.filters
        ):
            hooks_logger.addFilter(RefusedAnswersWithoutTraceback())
