"""Check every answer before anything is generated.

One table holds the rules. Every broken rule is reported, each naming the
question (its key in cookiecutter.json) and what it accepts; then the hook
exits non-zero and cookiecutter removes the half-made directory.
Standard library only: this runs before the service's dependencies exist.
"""

import json
import keyword
import re
import sys
import unicodedata

ANSWERS = json.loads({{ cookiecutter | jsonify | py_str }})
# Where cookiecutter saved these answers and how to generate again with them
# (local_extensions.py); empty when that cannot be told.
SAVED_ANSWERS_HINT = {{ cookiecutter | saved_answers_hint | py_str }}

# Names a package of the service must not take: the import names of what the
# service installs (a template test keeps this list complete) and the names of
# its own top-level modules and apps.
DEPENDENCY_MODULES = frozenset(
    """
    asgiref auditlog axes cachetools certifi cffi cfgv charset_normalizer corsheaders
    coverage cryptography csp dateutil defusedxml deprecation distlib django dotenv
    elastic_transport elasticsearch8 environ execnet filelock graphene graphene_django
    graphql graphql_relay gunicorn helsinki_gdpr helsinki_health_endpoints
    helusers identify idna iniconfig joserfc jwt logger_extra nodeenv oauthlib
    oidc_auth openid packaging platformdirs pluggy pre_commit promise psycopg
    psycopg_binary py pycparser pygments pytest pytest_cov pytest_django pytest_env
    pytest_randomly
    pytest_timeout python_discovery requests requests_oauthlib resilient_logger
    rest_framework ruff sentry_sdk six social_core social_django sqlparse
    text_unidecode typing_extensions tzdata urllib3 virtualenv whitenoise xdist yaml
    """.split()
)
SERVICE_MODULES = frozenset(
    {
        "audit",
        "authentication",
        "common",
        "conftest",
        "errorlog",
        "manage",
        "tests",
        "users",
    }
)

SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
TEMPLATE_SYNTAX = re.compile(r"\{[#%{]")


def text(max_length, required=True):
    """One line of human text that can be written into any generated file."""

    def check(value):
        if not isinstance(value, str):
            return "must be text"
        if required and not value.strip():
            return "must not be empty"
        if len(value) > max_length:
            return f"must be at most {max_length} characters (got {len(value)})"
        if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
            return "must be one line without control characters"
        if TEMPLATE_SYNTAX.search(value):
            return "must not contain template syntax (a brace followed by a brace, % or #)"
        return None

    return check


def matches(pattern, max_length, allowed):
    def check(value):
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return f"must be {allowed} (got {value!r})"
        if len(value) > max_length:
            return f"must be at most {max_length} characters (got {len(value)})"
        return None

    return check


def one_of(*choices):
    def check(value):
        if value not in choices:
            return f"must be one of {', '.join(choices)} (got {value!r})"
        return None

    return check


def boolean(value):
    if not isinstance(value, bool):
        return f"must be true or false (got {value!r})"
    return None


def not_taken(value):
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return f"must not be a Python keyword (got {value!r})"
    if value in sys.stdlib_module_names:
        return f"must not shadow the standard library module {value!r}"
    if value in DEPENDENCY_MODULES:
        return f"must not shadow the dependency module {value!r}"
    if value in SERVICE_MODULES:
        return f"must not shadow the service's own module {value!r}"
    return None


RULES = {
    "project_name": [text(80)],
    "project_slug": [
        matches(SLUG, 50, "lower-case letters, digits and single hyphens, "
                "starting with a letter"),
    ],
    "package_name": [
        matches(PACKAGE, 30, "a lower-case Python identifier: letters, digits "
                "and underscores, starting with a letter"),
        not_taken,
    ],
    "description": [text(200, required=False)],
    "author_name": [text(100)],
    "author_email": [matches(EMAIL, 254, "an e-mail address such as dev@hel.fi")],
    "python_version": [one_of("3.12", "3.11", "3.13")],
    "ci": [one_of("github", "none")],
    "use_error_log": [boolean],
    "use_docker": [boolean],
    "use_sentry": [boolean],
    "use_gdpr_api": [boolean],
    "use_admin_sso": [boolean],
    "use_audit_log_shipping": [boolean],
}


def problems(answers):
    """Every broken rule, as 'key: what is wrong' lines."""
    found = []
    for key, checks in RULES.items():
        if key not in answers:
            found.append(f"{key}: no answer was given")
            continue
        for check in checks:
            problem = check(answers[key])
            if problem:
                found.append(f"{key}: {problem}")
                break
    return found


def main():
    found = problems(ANSWERS)
    if not found:
        return 0
    print("The answers cannot make a working service:", file=sys.stderr)
    for line in found:
        print(f"  - {line}", file=sys.stderr)
    if SAVED_ANSWERS_HINT:
        print(f"\n{SAVED_ANSWERS_HINT}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
