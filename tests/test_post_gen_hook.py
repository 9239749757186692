"""The post-generation hook validates what it made and can safely run again."""

import hashlib
import json
import shutil

import pytest
from bake import TEMPLATE_DIR
from conftest import combination_params
from cookiecutter.exceptions import FailedHookException
from cookiecutter.hooks import run_hook_from_repo_dir

SETTINGS = "example_service/settings.py"


@pytest.fixture
def rerun_hook(monkeypatch):
    """Run the real, rendered post-gen hook again on a copy of a baked service."""
    monkeypatch.syspath_prepend(str(TEMPLATE_DIR))  # for local_extensions

    def rerun(service_dir):
        replay = json.loads(
            (service_dir.parent.parent / "replay-context.json").read_text()
        )
        run_hook_from_repo_dir(
            TEMPLATE_DIR,
            "post_gen_project",
            service_dir,
            {"cookiecutter": replay},
            delete_project_on_failure=False,
        )

    return rerun


@pytest.fixture
def copy_of(services, tmp_path):
    """A copy of a baked service (without its virtualenv) that a test may change."""

    def copy(name):
        service = services(name)
        replay_dir = service.path.parent.parent / "replay"
        replay = json.loads((replay_dir / f"{TEMPLATE_DIR.name}.json").read_text())
        (tmp_path / "replay-context.json").write_text(
            json.dumps(replay["cookiecutter"])
        )
        target = tmp_path / "output" / service.path.name
        shutil.copytree(service.path, target, ignore=shutil.ignore_patterns(".venv"))
        return target

    return copy


def snapshot(root):
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("name", combination_params())
def test_running_the_hook_again_changes_nothing(copy_of, rerun_hook, name):
    service = copy_of(name)
    before = snapshot(service)

    rerun_hook(service)

    assert snapshot(service) == before


@pytest.mark.parametrize("name", combination_params("default"))
def test_rerun_keeps_a_developers_env_file(copy_of, rerun_hook, name):
    service = copy_of(name)
    (service / ".env").write_text("DEBUG=0\nSECRET_KEY=mine\n")

    rerun_hook(service)

    assert (service / ".env").read_text() == "DEBUG=0\nSECRET_KEY=mine\n"


def refused(service, rerun_hook, capfd):
    with pytest.raises(FailedHookException):
        rerun_hook(service)
    return capfd.readouterr().err


@pytest.mark.parametrize("name", combination_params("default"))
def test_broken_middleware_order_is_refused_naming_both(
    copy_of, rerun_hook, capfd, name
):
    service = copy_of(name)
    settings = service / SETTINGS
    session = '    "django.contrib.sessions.middleware.SessionMiddleware",\n'
    authentication = '    "django.contrib.auth.middleware.AuthenticationMiddleware",\n'
    text = settings.read_text()
    assert session in text
    assert authentication in text
    settings.write_text(
        text.replace(session, "").replace(authentication, authentication + session)
    )

    error = refused(service, rerun_hook, capfd)

    assert "example_service.E002" in error
    assert "SessionMiddleware must come before AuthenticationMiddleware" in error


@pytest.mark.parametrize("name", combination_params("default"))
def test_middleware_that_is_not_a_literal_list_is_refused(
    copy_of, rerun_hook, capfd, name
):
    service = copy_of(name)
    settings = service / SETTINGS
    text = settings.read_text()
    settings.write_text(text.replace("MIDDLEWARE = [", "MIDDLEWARE = EXTRA + [", 1))

    error = refused(service, rerun_hook, capfd)

    assert "MIDDLEWARE must be a literal, as the template wrote it" in error


@pytest.mark.parametrize("name", combination_params("default"))
def test_leftover_template_syntax_is_refused_with_its_place(
    copy_of, rerun_hook, capfd, name
):
    service = copy_of(name)
    (service / "notes.md").write_text("fine\n{{ cookiecutter.project_name }}\n")
    (service / "other.txt").write_text("{% if x %}\n")

    error = refused(service, rerun_hook, capfd)

    assert "notes.md:2: template syntax left" in error
    assert "other.txt:1: template syntax left" in error


@pytest.mark.parametrize("name", combination_params("default"))
def test_github_expressions_are_not_leftovers(copy_of, rerun_hook, name):
    service = copy_of(name)
    (service / "deploy.yml").write_text("run: echo ${{ github.sha }}\n")

    rerun_hook(service)


@pytest.mark.parametrize("name", combination_params("default"))
def test_python_that_does_not_compile_is_refused(copy_of, rerun_hook, capfd, name):
    service = copy_of(name)
    (service / "users" / "broken.py").write_text("def broken(:\n    pass\n")

    error = refused(service, rerun_hook, capfd)

    assert "users/broken.py:1: does not compile" in error


@pytest.mark.parametrize("name", combination_params("default"))
def test_missing_graphene_jwt_middleware_is_refused(copy_of, rerun_hook, capfd, name):
    service = copy_of(name)
    settings = service / SETTINGS
    line = '        "authentication.graphql.JWTMiddleware",\n'
    text = settings.read_text()
    assert line in text
    settings.write_text(text.replace(line, ""))

    error = refused(service, rerun_hook, capfd)

    assert "example_service.E022" in error
    assert (
        "GRAPHENE['MIDDLEWARE'] must include authentication.graphql.JWTMiddleware"
        in (error)
    )
