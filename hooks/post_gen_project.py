"""Finish the generated service, then prove it is whole.

1. Remove what the answers switched off.
2. Validate the result: no template syntax left in any file that was
   rendered, every rendered Python file compiles, and MIDDLEWARE in
   settings.py keeps the rules of the service's own `middleware_order`
   module. The files copied without rendering (`_copy_without_render`) are
   the template's own, checked by its tests.
3. Copy `.env.example` to the git-ignored `.env` so that the service runs
   locally at once, and print the next steps.

Offline, deterministic and safe to run again (cruft runs it on every update).
Standard library only.
"""

import ast
import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

PACKAGE = {{ cookiecutter.package_name | py_str }}
# The files copied without rendering, by their paths in the new service (the
# package directory's name written in two pieces, which Jinja leaves alone).
COPIED_WITHOUT_RENDER = frozenset(
    path.replace("{" + "{cookiecutter.package_name}}", PACKAGE)
    for path in {{ cookiecutter._copy_without_render | jsonify }}
)

# Each optional path, and whether the answers keep it.
OPTIONAL_PATHS = {
    ".github": {{ cookiecutter.ci == "github" }},
    "package.json": {{ cookiecutter.ci == "github" }},
    "package-lock.json": {{ cookiecutter.ci == "github" }},
    "errorlog": {{ cookiecutter.use_error_log }},
    "{{ cookiecutter.package_name }}/sentry.py": {{ cookiecutter.use_sentry }},
    "{{ cookiecutter.package_name }}/tests/test_sentry.py": {{ cookiecutter.use_sentry }},
    ".dockerignore": {{ cookiecutter.use_docker }},
    "Dockerfile": {{ cookiecutter.use_docker }},
    "compose.yaml": {{ cookiecutter.use_docker }},
    "docker-entrypoint.sh": {{ cookiecutter.use_docker }},
    "{{ cookiecutter.package_name }}/management/commands/wait_for_database.py": {{ cookiecutter.use_docker }},
    "{{ cookiecutter.package_name }}/tests/test_container.py": {{ cookiecutter.use_docker }},
    "users/gdpr.py": {{ cookiecutter.use_gdpr_api }},
    "users/tests/test_gdpr.py": {{ cookiecutter.use_gdpr_api }},
    "{{ cookiecutter.package_name }}/tests/test_admin_sso.py": {{ cookiecutter.use_admin_sso }},
    "authentication/sign_on.py": {{ cookiecutter.use_admin_sso }},
    "authentication/templates/authentication/sign_in.html": {{ cookiecutter.use_admin_sso }},
    "authentication/management/commands/make_admin.py": {{ cookiecutter.use_admin_sso }},
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
MAYBE_SYNTAX = re.compile(r"\{[#%\{]")
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


def rendered_files(root):
    """(path, relative path) of each file that Jinja rendered, sorted."""
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED_DIRS]
        for name in files:
            relative = os.path.relpath(os.path.join(directory, name), root)
            if relative.replace(os.sep, "/") not in COPIED_WITHOUT_RENDER:
                found.append((root / relative, relative))
    return sorted(found)


def leftover_syntax(rendered):
    found = []
    for path, relative in rendered:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not a text file
        if not MAYBE_SYNTAX.search(text):
            continue  # the common case, found much faster than by the pattern
        for number, line in enumerate(text.splitlines(), start=1):
            if LEFTOVER_SYNTAX.search(line):
                found.append(f"{relative}:{number}: template syntax left: {line.strip()}")
    return found


def syntax_errors(rendered):
    found = []
    for path, relative in rendered:
        if path.suffix != ".py":
            continue
        try:
            ast.parse(path.read_bytes(), str(relative))
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
    sys.dont_write_bytecode = True  # no __pycache__ left in the new service
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
    rendered = rendered_files(root)
    return (
        leftover_syntax(rendered) + syntax_errors(rendered) + middleware_problems(root)
    )


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
