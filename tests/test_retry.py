"""Refused answers are not lost: the message says where they are and how to retry."""

import json
import shlex
import shutil
import subprocess
import sys

import pytest
from bake import TEMPLATE_DIR, clean_env

COOKIECUTTER = [sys.executable, "-m", "cookiecutter"]


def cookiecutter(args, cwd, home):
    """The real command line, as a newcomer runs it, with `home` as HOME."""
    return subprocess.run(
        [*COOKIECUTTER, *map(str, args)],
        cwd=cwd,
        env=clean_env(HOME=str(home)),
        input="\n",  # a git template asks before it clones again: the default, yes
        capture_output=True,
        text=True,
        timeout=120,
    )


def template_in_git(directory):
    """The template's working copy as a git repository with a branch of its own."""
    repository = directory / "template-repository"
    shutil.copytree(
        TEMPLATE_DIR,
        repository,
        ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".ruff_cache"),
    )
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]
    for command in (
        ["init", "--quiet", "--initial-branch", "main"],
        ["add", "--all"],
        ["commit", "--quiet", "--message", "template"],
        ["branch", "retry-branch"],
    ):
        subprocess.run([*git, *command], cwd=repository, check=True)
    return f"git+file://{repository}", ["--checkout", "retry-branch"]


@pytest.mark.parametrize("source", ["local directory", "git URL with --checkout"])
def test_refused_answers_are_saved_and_the_printed_command_retries(tmp_path, source):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    if source == "local directory":
        template, options = str(TEMPLATE_DIR), []
    else:
        template, options = template_in_git(tmp_path)

    refused = cookiecutter(
        ["--no-input", *options, template, "author_email=dev.hel.fi"], work, home
    )

    assert refused.returncode != 0
    assert "author_email: must be an e-mail address" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert list(work.iterdir()) == [], "a refused bake leaves nothing behind"
    saved_line, command_line = (
        line.strip()
        for line in refused.stderr.splitlines()
        if line.startswith(("Your answers are saved in ", "    cookiecutter "))
    )
    saved = (
        home / ".cookiecutter_replay" / f"{template.rstrip('/').split('/')[-1]}.json"
    )
    assert saved_line == f"Your answers are saved in {saved}."
    command = shlex.split(command_line)
    assert command == ["cookiecutter", "--replay-file", str(saved), *options, template]

    # What the message says: fix the named answer in the saved file, run the command.
    answers = json.loads(saved.read_text())
    answers["cookiecutter"]["author_email"] = "dev@hel.fi"
    saved.write_text(json.dumps(answers))
    retried = cookiecutter(command[1:], work, home)

    assert retried.returncode == 0, retried.stderr
    [service] = work.iterdir()
    assert 'email = "dev@hel.fi"' in (service / "pyproject.toml").read_text()
