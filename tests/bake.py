"""Baking services from the template, and running tools on them, for the tests."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
COOKIECUTTER_JSON = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
QUESTIONS = {
    key: value for key, value in COOKIECUTTER_JSON.items() if not key.startswith("_")
}
BOOLEANS = [key for key, value in QUESTIONS.items() if isinstance(value, bool)]
CHOICES = {key: value for key, value in QUESTIONS.items() if isinstance(value, list)}
TOOLS_BIN = Path(sys.executable).parent
UV = str(TOOLS_BIN / "uv")

# Variables of the developer's shell that would change what a baked service does.
LEAKY_VARIABLES = re.compile(
    r"VIRTUAL_ENV|UV_PROJECT_ENVIRONMENT|UV_PYTHON|PYTHONPATH|DJANGO_SETTINGS_MODULE|"
    r"DATABASE_URL|DEBUG|"
    r"SECRET_KEY|ALLOWED_HOSTS|ENABLE_GRAPHIQL|SERVICE_VERSION|LOG_LEVEL|PYENV_VERSION"
)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not LEAKY_VARIABLES.fullmatch(k)}
    env["UV_PYTHON_DOWNLOADS"] = "never"  # an interpreter is found, not fetched
    env.update(extra)
    return env


def run(args, cwd, timeout=600, check=True, **env):
    """Run a command with a clean environment; on failure show its output."""
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode} in {cwd}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def run_suite(python, cwd, *args, **env):
    """Run a service's test suite; every test must run and pass."""
    result = run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd, **env
    )
    assert re.search(r"\d+ passed", result.stdout), result.stdout
    assert not re.search(r"\d+ (skipped|xfailed|xpassed|failed)", result.stdout)
    return result.stdout


def cookiecutter_config(directory):
    """A config file that keeps cookiecutter's clones and replays in `directory`."""
    config = directory / "cookiecutter-config.yaml"
    if not config.exists():
        config.write_text(
            f"cookiecutters_dir: {json.dumps(str(directory / 'cookiecutters'))}\n"
            f"replay_dir: {json.dumps(str(directory / 'replay'))}\n"
        )
    return config


def bake(output_dir, check=True, **answers):
    """Generate a service with `cookiecutter --no-input` into `output_dir`.

    Every answer must be a question of cookiecutter.json: cookiecutter
    silently ignores an unknown key, which would make a test prove nothing.
    """
    unknown = set(answers) - set(QUESTIONS)
    assert not unknown, f"not questions of cookiecutter.json: {sorted(unknown)}"
    extra = [f"{key}={_cli_value(value)}" for key, value in answers.items()]
    return _cookiecutter(output_dir, ["--no-input", TEMPLATE_DIR, *extra], check)


def bake_from_replay(output_dir, context):
    """Generate with a full answer set, as a replay file (or cruft) gives it.

    Unlike `--no-input`, this path lets any value through to the hooks, which
    is how a value of the wrong type reaches them.
    """
    replay = output_dir.parent / f"{output_dir.name}-replay.json"
    replay.write_text(json.dumps({"cookiecutter": context}))
    return _cookiecutter(output_dir, ["--replay-file", replay, TEMPLATE_DIR], False)


def _cookiecutter(output_dir, args, check):
    """Run the cookiecutter command; return its result and the directory it made."""
    output_dir.mkdir(parents=True, exist_ok=True)
    config = cookiecutter_config(output_dir.parent)
    result = run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--config-file",
            config,
            "--output-dir",
            output_dir,
            *args,
        ],
        cwd=output_dir,
        check=check,
    )
    made = [path for path in output_dir.iterdir() if path.is_dir()]
    return result, made[0] if len(made) == 1 else None


def _cli_value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def combinations():
    """The answer sets every template test bakes, derived from cookiecutter.json.

    The defaults; everything switched off (each boolean false, each choice on
    its last value); everything switched on (each boolean true); then a
    variant of the defaults for each choice value not yet covered, and one
    for two answers that decide a file together.
    """
    found = {
        "default": {},
        "all-off": {
            **dict.fromkeys(BOOLEANS, False),
            **{key: values[-1] for key, values in CHOICES.items()},
        },
        "all-on": dict.fromkeys(BOOLEANS, True),
    }
    for key, values in CHOICES.items():
        for value in values:
            if not any(resolved(c)[key] == value for c in found.values()):
                found[f"{key}-{value}"] = {key: value}
    # errorlog/shipping.py depends on two answers: shipping without the error
    # log is the state of the two that the sets above leave out.
    found["use_error_log-false"] = {"use_error_log": False}
    return found


def resolved(answers):
    """The value of every boolean and choice question for these answers."""
    defaults = {key: QUESTIONS[key] for key in BOOLEANS}
    defaults.update({key: values[0] for key, values in CHOICES.items()})
    return {**defaults, **answers}


def find_python(version):
    """A working interpreter for `version` (such as "3.12"), or None.

    pyenv shims on PATH can exist yet refuse to run, so each candidate is
    tried. uv is never asked to download one.
    """
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(
        (
            str(path)
            for path in pyenv_root.glob(f"versions/{version}.*/bin/python{version}")
        ),
        reverse=True,
    )
    found = subprocess.run(
        [UV, "python", "find", "--no-python-downloads", version],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            env=clean_env(),
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None
