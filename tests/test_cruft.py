"""A service made with `cruft create` takes a template change with `cruft update`."""

import shutil

import pytest
from bake import TEMPLATE_DIR, TOOLS_BIN, UV, cookiecutter_config, run, run_suite

GIT = ["git", "-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
UNTRACKED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"
)


@pytest.mark.xdist_group("cruft")
def test_cruft_update_applies_a_template_change_and_a_new_option(services, tmp_path):
    template = tmp_path / "template"
    shutil.copytree(TEMPLATE_DIR, template, ignore=UNTRACKED)
    run([*GIT, "init", "-q"], cwd=template)
    run([*GIT, "add", "-A"], cwd=template)
    run([*GIT, "commit", "-qm", "The template"], cwd=template)
    env = {"COOKIECUTTER_CONFIG": str(cookiecutter_config(tmp_path))}
    output = tmp_path / "output"
    run(
        [TOOLS_BIN / "cruft", "create", template, "--no-input", "--output-dir", output],
        cwd=tmp_path,
        **env,
    )
    service = output / "example-service"
    run([*GIT, "init", "-q"], cwd=service)
    run([*GIT, "add", "-A"], cwd=service)
    run([*GIT, "commit", "-qm", "The service"], cwd=service)

    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\n## Release notes\n\nIn CHANGELOG.md.\n")
    server = template / "{{cookiecutter.project_slug}}" / "gunicorn.conf.py"
    server.write_text(server.read_text().replace("I/O-bound", "I/O-bound web"))
    run([*GIT, "commit", "-qam", "A change to the template"], cwd=template)
    assert run(
        [TOOLS_BIN / "cruft", "check"], cwd=service, check=False, **env
    ).returncode

    run([TOOLS_BIN / "cruft", "update", "--skip-apply-ask"], cwd=service, **env)

    assert not list(service.rglob("*.rej")), "the update left rejects"
    assert (service / "README.md").read_text().endswith("In CHANGELOG.md.\n")
    assert "I/O-bound web" in (service / "gunicorn.conf.py").read_text()
    run([TOOLS_BIN / "cruft", "check"], cwd=service, **env)
    # The default answers: the same locked dependencies as the default
    # combination's environment.
    run_suite(services("default").venv / "python", service)

    # An option adopted later, the way the README says.
    run([*GIT, "commit", "-qam", "Template updated"], cwd=service)
    adopt = '{"use_gdpr_api": true, "use_admin_sso": true}'
    run(
        [TOOLS_BIN / "cruft", "update", "-y", "--variables-to-update", adopt],
        cwd=service,
        **env,
    )

    assert not list(service.rglob("*.rej")), "adopting the options left rejects"
    assert (service / "users" / "gdpr.py").exists()
    assert "social_django" in (service / "example_service" / "settings.py").read_text()
    run(
        [UV, "lock", "--locked", "--python", services("all-on").venv / "python"],
        cwd=service,
    )
    run_suite(services("all-on").venv / "python", service)
