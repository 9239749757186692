"""The first commit of a new service passes every hook of its pre-commit
config, at the pinned versions, without a hook changing a file.

The config pins each hook repository on GitHub by commit, with the tag in a
comment (`# frozen: <tag>`). GitHub is out of reach here, so each repository is
replaced by `repo: local` hooks that install the same tool at the tag's version
from its package registry (PyPI or npm) and run it as the repository's
`.pre-commit-hooks.yaml` defines it. The real pre-commit then runs them on a
real `git commit`, as the quick start sets it up.
"""

import re
import tomllib

import pytest
import yaml
from bake import TOOLS_BIN, bake, run
from conftest import COMBINATIONS, combination_params

HOOK_REPOSITORIES = {
    # Each repository: its language, the package of its tool for a tag, and its
    # hooks as its .pre-commit-hooks.yaml defines them.
    "https://github.com/pre-commit/pre-commit-hooks": (
        "python",
        lambda tag: f"pre-commit-hooks=={tag.removeprefix('v')}",
        {
            "check-added-large-files": {
                "entry": "check-added-large-files",
                "stages": ["pre-commit", "pre-push", "manual"],
            },
            "check-merge-conflict": {
                "entry": "check-merge-conflict",
                "types": ["text"],
            },
            "check-toml": {"entry": "check-toml", "types": ["toml"]},
            "check-yaml": {"entry": "check-yaml", "types": ["yaml"]},
            "end-of-file-fixer": {
                "entry": "end-of-file-fixer",
                "types": ["text"],
                "stages": ["pre-commit", "pre-push", "manual"],
            },
            "trailing-whitespace": {
                "entry": "trailing-whitespace-fixer",
                "types": ["text"],
                "stages": ["pre-commit", "pre-push", "manual"],
            },
        },
    ),
    "https://github.com/adamchainz/django-upgrade": (
        "python",
        lambda tag: f"django-upgrade=={tag}",
        {"django-upgrade": {"entry": "django-upgrade", "types": ["python"]}},
    ),
    "https://github.com/astral-sh/ruff-pre-commit": (
        "python",
        lambda tag: f"ruff=={tag.removeprefix('v')}",
        {
            hook: {
                "entry": f"ruff {command} --force-exclude",
                "types_or": ["python", "pyi", "jupyter"],
                "require_serial": True,
            }
            for hook, command in (("ruff-check", "check"), ("ruff-format", "format"))
        },
    ),
    "https://github.com/alessandrojcm/commitlint-pre-commit-hook": (
        "node",
        # The hook repository installs @commitlint/cli at the range of its
        # package.json; a new tag needs its range here.
        lambda tag: {"v9.26.0": "@commitlint/cli@^21.1.0"}[tag],
        {
            "commitlint": {
                "entry": "commitlint --edit",
                "pass_filenames": False,
                "always_run": True,
            }
        },
    ),
}

PINNED_REPOSITORY = re.compile(
    r"^  - repo: (\S+)\n    rev: ([0-9a-f]{40}) # frozen: (\S+)$", re.MULTILINE
)
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "New Developer",
    "GIT_AUTHOR_EMAIL": "new.developer@example.com",
    "GIT_COMMITTER_NAME": "New Developer",
    "GIT_COMMITTER_EMAIL": "new.developer@example.com",
}


def through_the_registries(config_text):
    """The pre-commit config with every pinned repository replaced by local
    hooks that install the same tool, at the tag's version, from its registry."""
    config = yaml.safe_load(config_text)
    pins = PINNED_REPOSITORY.findall(config_text)
    assert [url for url, _, _ in pins] == [repo["repo"] for repo in config["repos"]], (
        "every hook repository is pinned by a full commit hash, with "
        "'# frozen: <tag>' after it"
    )
    local_hooks = []
    for (url, _, tag), repo in zip(pins, config["repos"], strict=True):
        language, package, definitions = HOOK_REPOSITORIES[url]
        for hook in repo["hooks"]:
            local_hooks.append(
                {
                    "id": hook["id"],
                    "name": hook["id"],
                    "language": language,
                    **definitions[hook["id"]],
                    **hook,
                    "additional_dependencies": [
                        package(tag),
                        *hook.get("additional_dependencies", []),
                    ],
                }
            )
    return {**config, "repos": [{"repo": "local", "hooks": local_hooks}]}


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    """Where pre-commit keeps the hooks' environments, shared by the bakes."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.parametrize("name", combination_params())
def test_the_first_commit_passes_every_hook_unchanged(
    services, name, tmp_path, pre_commit_home
):
    _, service = bake(tmp_path / "output", **COMBINATIONS[name])
    config = tmp_path / "pre-commit-config.yaml"
    config.write_text(
        yaml.safe_dump(
            through_the_registries((service / ".pre-commit-config.yaml").read_text())
        )
    )
    env = {"PRE_COMMIT_HOME": pre_commit_home, "PRE_COMMIT_COLOR": "never"}
    env |= GIT_IDENTITY
    pre_commit = services(name).venv / "pre-commit"  # the service's own version

    # The quick start's steps, then the first commit.
    run(["git", "init", "-q", "-b", "main"], cwd=service)
    run([pre_commit, "install", "--config", config], cwd=service, **env)
    run(["git", "add", "--all"], cwd=service)
    committed = run(
        ["git", "commit", "-m", "feat: the service as generated"],
        cwd=service,
        check=False,
        **env,
    )
    output = committed.stdout + committed.stderr
    assert committed.returncode == 0, output
    assert "Failed" not in output
    for hook in ("ruff-format", "django-upgrade", "trailing-whitespace", "commitlint"):
        assert re.search(rf"^{hook}\.+Passed$", output, re.MULTILINE), output
    untouched = run(["git", "status", "--porcelain"], cwd=service)
    assert untouched.stdout == ""

    # commitlint's hook refuses a message that is not a Conventional Commit.
    refused = run(
        ["git", "commit", "--allow-empty", "-m", "Added stuff"],
        cwd=service,
        check=False,
        **env,
    )
    assert refused.returncode != 0
    assert "subject may not be empty" in refused.stdout + refused.stderr


@pytest.mark.parametrize("name", combination_params())
def test_pre_commit_config_is_valid_and_pins_the_services_ruff(services, name):
    service = services(name)
    config = service.path / ".pre-commit-config.yaml"
    run([TOOLS_BIN / "pre-commit", "validate-config", config], cwd=service.path)
    pins = {url: tag for url, _, tag in PINNED_REPOSITORY.findall(config.read_text())}
    ruff = pins["https://github.com/astral-sh/ruff-pre-commit"].removeprefix("v")
    pyproject = tomllib.loads((service.path / "pyproject.toml").read_text())
    assert f"ruff=={ruff}" in pyproject["dependency-groups"]["dev"]
