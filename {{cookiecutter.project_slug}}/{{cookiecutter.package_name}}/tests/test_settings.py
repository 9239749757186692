import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import {{ cookiecutter.package_name }}.settings as settings_module
from {{ cookiecutter.package_name }} import environment
from {{ cookiecutter.package_name }}.environment import (
    choice,
    comma_list,
    database,
    flag,
{%- if cookiecutter.use_audit_log_shipping %}
    http_url,
{%- endif %}
    number,
{%- if cookiecutter.use_audit_log_shipping %}
    required,
{%- endif %}
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
# A variable read by name: env.str("NAME", ...), flag("NAME", ...) and the like.
ENV_READ = re.compile(
    r'\b(?:env\.\w+|flag|choice|comma_list|number|database|required|http_url)\(\s*"([A-Z][A-Z0-9_]*)"'
)


def test_missing_secret_key_stops_start_up_and_names_the_variable(run_django):
    result = run_django("", DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key(run_django):
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG)",
        DEBUG="1",
        SECRET_KEY="",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_each_log_line_is_written_once_with_debug_on(run_django):
    result = run_django(
        "import logging; logging.getLogger('django.request').warning('Not Found')",
        DEBUG="1",
        LOG_FORMAT="plain",
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found") == 1, result.stderr


def test_debug_is_off_unless_asked_for(settings):
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False)]
)
def test_flag_reads_yes_and_no_words(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)

    assert flag("SOME_FLAG", default=not expected) is expected


def test_flag_falls_back_to_its_default(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)

    assert flag("SOME_FLAG", default=True) is True


def test_flag_rejects_an_unknown_word(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "ture")

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be one of .*'ture'"):
        flag("SOME_FLAG", default=False)


def test_database_url_for_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:s3cret@db.example:5433/service")

    config = database("DATABASE_URL", default="sqlite:////unused.sqlite3")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["HOST"] == "db.example"
    assert config["PORT"] == 5433
    assert config["NAME"] == "service"
    assert (config["USER"], config["PASSWORD"]) == ("app", "s3cret")


def test_database_url_defaults_to_a_sqlite_file(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    config = database("DATABASE_URL", default=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://app:s3cret@db.example/service", "has an unsupported scheme 'mysql'"),
        ("postgres://app:s3cret@db.example:5432", "names no database"),
        ("not a url", "has an unsupported scheme ''"),
    ],
)
def test_bad_database_url_is_named_without_its_password(monkeypatch, url, problem):
    monkeypatch.setenv("DATABASE_URL", url)

    with pytest.raises(ImproperlyConfigured, match=f"DATABASE_URL {problem}") as caught:
        database("DATABASE_URL", default="sqlite:////unused.sqlite3")

    assert "s3cret" not in str(caught.value)


def test_choice_rejects_a_word_outside_its_list(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "LOUD")

    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL must be one of .*'LOUD'"):
        choice("LOG_LEVEL", ("INFO", "ERROR"), default="INFO")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.hel.fi/auth", ["https://api.hel.fi/auth"]),
        (
            "https://api.hel.fi/auth, authorization.permissions.scopes",
            ["https://api.hel.fi/auth", "authorization.permissions.scopes"],
        ),
        (" , ", ["default"]),
        ("", ["default"]),
    ],
)
def test_comma_list_reads_trimmed_items(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_LIST", raw)

    assert comma_list("SOME_LIST", default=["default"]) == expected


def test_env_example_lists_every_variable_the_settings_read():
    read = set()
    for module in (environment, settings_module):
        read |= set(ENV_READ.findall(Path(module.__file__).read_text()))
    example = (PROJECT_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))

    assert read, "no variables found: the pattern no longer matches the settings"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


@pytest.mark.parametrize(
    ("raw", "whole", "expected"), [("3", True, 3), ("0.5", False, 0.5), ("", True, 7)]
)
def test_number_reads_a_bounded_number(monkeypatch, raw, whole, expected):
    monkeypatch.setenv("SOME_NUMBER", raw)

    assert (
        number("SOME_NUMBER", default=7, minimum=0, maximum=10, whole=whole) == expected
    )


@pytest.mark.parametrize("raw", ["11", "-1", "lots", "2.5"])
def test_number_outside_its_bounds_is_an_error(monkeypatch, raw):
    monkeypatch.setenv("SOME_NUMBER", raw)

    with pytest.raises(
        ImproperlyConfigured, match="SOME_NUMBER must be a whole number"
    ):
        number("SOME_NUMBER", default=1, minimum=0, maximum=10, whole=True)


def test_production_settings_pass_the_deployment_checks(run_django):
    """DEBUG off, a real key, known hosts, HTTPS at the proxy: no warnings.

    Token settings from the environment are read as given, too.
    """
    result = run_django(
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
        "print(settings.OIDC_API_TOKEN_AUTH['API_AUTHORIZATION_FIELD'])",
        DEBUG="0",
        SECRET_KEY="x9!vQ2#mZ7@pL4$kR8%tN1^wB6&yC3*dF5(hJ0)gS-eU+aI=oE_rT",
        ALLOWED_HOSTS="service.example.com",
        SECURE_SSL_REDIRECT="",  # the default, not the tests' own
        TOKEN_AUTH_API_AUTHORIZATION_FIELD=(
            "https://api.hel.fi/auth, authorization.permissions.scopes"
        ),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str(
        ["https://api.hel.fi/auth", "authorization.permissions.scopes"]
    )
{%- if cookiecutter.use_audit_log_shipping %}


SHIPPING = {
    "AUDIT_LOG_ES_URL": "https://elasticsearch.example:9200",
    "AUDIT_LOG_ES_INDEX": "audit-log",
    "AUDIT_LOG_ES_USERNAME": "shipper",
    "AUDIT_LOG_ES_PASSWORD": "s3cret",
    "AUDIT_LOG_ENV": "test",
}


def test_required_names_the_variable_and_why(monkeypatch):
    monkeypatch.setenv("AUDIT_LOG_ENV", " ")

    with pytest.raises(
        ImproperlyConfigured,
        match="AUDIT_LOG_ENV must be set when AUDIT_LOG_ES_URL is set.",
    ):
        required("AUDIT_LOG_ENV", because="when AUDIT_LOG_ES_URL is set")


@pytest.mark.parametrize(
    "url", ["elastic:s3cret@es", "ftp://es.example", "https://:9200", "es.example:9200"]
)
def test_a_store_url_that_is_not_http_is_refused_unrepeated(monkeypatch, url):
    monkeypatch.setenv("AUDIT_LOG_ES_URL", url)

    with pytest.raises(ImproperlyConfigured) as caught:
        http_url("AUDIT_LOG_ES_URL")

    message = str(caught.value)
    assert message.startswith("AUDIT_LOG_ES_URL must be an http:// or https:// URL")
    assert url not in message


def test_shipping_settings_pass_the_deployment_checks(run_django):
    """Every variable is read; without one of them the service does not start."""
    missing = run_django("", **{**SHIPPING, "AUDIT_LOG_ES_INDEX": ""})
    result = run_django(
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
        "print(settings.RESILIENT_LOGGER['targets'][0]['es_index'])",
        DEBUG="0",
        SECRET_KEY="x9!vQ2#mZ7@pL4$kR8%tN1^wB6&yC3*dF5(hJ0)gS-eU+aI=oE_rT",
        ALLOWED_HOSTS="service.example.com",
        SECURE_SSL_REDIRECT="",
        **SHIPPING,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "audit-log"
    assert missing.returncode != 0
    assert "AUDIT_LOG_ES_INDEX must be set when AUDIT_LOG_ES_URL is set." in (
        missing.stderr
    )
{%- endif %}
