"""Finish the generated service, then prove it is whole.

1. Remove what the answers switched off.
2. Validate the result: no template syntax left in any text file, every
   Python file compiles, and MIDDLEWARE in settings.py keeps the rules of
   the service's own `middleware_order` module.
3. Copy `.env.example` to the git-ignored `.env` so that the service runs
   locally at once, and print the next steps.

Offline, deterministic and safe to run again (cruft runs it on every update).
Standard library only.
"""

import ast
import importlib.util
import re
import shutil
import sys
from pathlib import Path

PACKAGE = {{ cookiecutter.package_name | py_str }}

# Each optional path, and whether the answers keep it.
OPTIONAL_PATHS = {
    ".github": {{ cookiecutter.ci == "github" }},
    "errorlog": {{ cookiecutter.use_error_log }},
    "{{ cookiecutter.package_name }}/sentry.py": {{ cookiecutter.use_sentry }},
    "{{ cookiecutter.package_name }}/tests/test_sentry.py": {{ cookiecutter.use_sentry }},
    ".dockerignore": {{ cookiecutter.use_docker }},
    "Dockerfile": {{ cookiecutter.use_docker }},
    "compose.yaml": {{ cookiecutter.use_docker }},
    "docker-entrypoint.sh": {{ cookiecutter.use_docker }},
    "{{ cookiecutter.package_name }}/management": {{ cookiecutter.use_docker }},
    "{{ cookiecutter.package_name }}/tests/test_container.py": {{ cookiecutter.use_docker }},
    "users/gdpr.py": {{ cookiecutter.use_gdpr_api }},
    "users/tests/test_gdpr.py": {{ cookiecutter.use_gdpr_api }},
    "{{ cookiecutter.package_name }}/tests/test_admin_sso.py": {{ cookiecutter.use_admin_sso }},
    "audit/shipping.py": {{ cookiecutter.use_audit_log_shipping }},
    "audit/resilient.py": {{ cookiecutter.use_audit_log_shipping }},
    "audit/management": {{ cookiecutter.use_audit_log_shipping }},
    "audit/tests/conftest.py": {{ cookiecutter.use_audit_log_shipping }},
    "audit/tests/test_shipping.py": {{ cookiecutter.use_audit_log_shipping }},
    "errorlog/shipping.py": {{ cookiecutter.use_audit_log_shipping }},
}

# A brace followed by a brace, percent sign or hash opens template syntax. The
# one exception is a dollar sign before two braces: GitHub Actions' own syntax.
LEFTOVER_SYNTAX = re.compile(r"(?<!\$)\{\{|\{[%#]")
SKIPPED_DIRS = {".git", ".venv", "__pycache__", "node_modules"}


def remove_switched_off(root):
    for relative, keep in OPTIONAL_PATHS.items():
        path = root / relative
        if keep or not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def project_files(root):
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not SKIPPED_DIRS.intersection(relative.parts):
            yield path, relative


def leftover_syntax(root):
    found = []
    for path, relative in project_files(root):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue  # not a text file
        for number, line in enumerate(lines, start=1):
            if LEFTOVER_SYNTAX.search(line):
                found.append(f"{relative}:{number}: template syntax left: {line.strip()}")
    return found


def syntax_errors(root):
    found = []
    for path, relative in project_files(root):
        if path.suffix != ".py":
            continue
        try:
            compile(path.read_bytes(), str(relative), "exec", dont_inherit=True)
        except SyntaxError as error:
            found.append(f"{relative}:{error.lineno}: does not compile: {error.msg}")
    return found


def literal_setting(tree, name):
    """The value of `name = <literal>` at the top of a module."""
    assignments = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == name for target in node.targets)
    ]
    if len(assignments) != 1:
        raise ValueError(f"expected one {name} = ... assignment")
    try:
        return ast.literal_eval(assignments[0])
    except ValueError:
        raise ValueError(f"{name} must be a literal, as the template wrote it") from None


def middleware_problems(root):
    """Apply the service's own middleware rules to the literals in settings.py."""
    rules_path = root / PACKAGE / "middleware_order.py"
    spec = importlib.util.spec_from_file_location("middleware_order", rules_path)
    rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules)

    settings_path = root / PACKAGE / "settings.py"
    relative = settings_path.relative_to(root)
    tree = ast.parse(settings_path.read_text(encoding="utf-8"))
    try:
        middleware = literal_setting(tree, "MIDDLEWARE")
        graphene_middleware = literal_setting(tree, "GRAPHENE").get("MIDDLEWARE", ())
    except (ValueError, AttributeError) as error:
        return [f"{relative}: {error}"]
    return [
        f"{relative}: {PACKAGE}.{found.code}: {found.message}"
        for found in rules.violations(middleware, graphene_middleware)
    ]


def validate(root):
    return leftover_syntax(root) + syntax_errors(root) + middleware_problems(root)


def write_local_env(root):
    env = root / ".env"
    if not env.exists():
        shutil.copyfile(root / ".env.example", env)


def main():
    root = Path.cwd()
    remove_switched_off(root)
    problems = validate(root)
    if problems:
        print("The generated service is not valid:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    write_local_env(root)
    print(
        f"""
Created {root.name}. Next steps:

    cd {root.name}
    uv sync --locked
    uv run python manage.py migrate
    uv run python manage.py runserver    # GraphQL at http://127.0.0.1:8000/graphql
    uv run pytest

.env (git-ignored) was copied from .env.example for local development.
"""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
