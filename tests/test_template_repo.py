"""The template's own documents and CI agree with what it does."""

import re

from bake import CHOICES, COOKIECUTTER_JSON, QUESTIONS, TEMPLATE_DIR, TOOLS_BIN, run

README = (TEMPLATE_DIR / "README.md").read_text()


def first_code_block(markdown):
    match = re.search(r"```sh\n(.*?)```", markdown, re.DOTALL)
    return [line.split("#")[0].strip() for line in match.group(1).splitlines()]


def test_readme_starts_with_the_two_commands():
    before_block = README.split("```")[0]
    assert before_block.strip().startswith("# "), "only the title may come first"
    generate, test = first_code_block(README)
    assert generate.startswith("uvx cookiecutter ")
    assert test == "uv run pytest"


def test_ci_runs_exactly_the_readmes_test_command():
    script = (TEMPLATE_DIR / ".ci" / "run").read_text().splitlines()
    commands = [line for line in script if line and not line.startswith("#")]
    assert commands[-1] == first_code_block(README)[1]


def options_table():
    section = README.split("## Options", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \| (.+?) \| (.+?) \|$", section, re.MULTILINE)


def test_options_table_lists_every_question_in_order():
    assert [key for key, _, _ in options_table()] == list(QUESTIONS)


def test_options_table_shows_each_default_and_choice():
    for key, default, _ in options_table():
        value = QUESTIONS[key]
        if key in CHOICES:
            shown = re.findall(r"`([^`]+)`", default)
            assert shown == value, key  # the default first, then the others
        elif isinstance(value, bool):
            assert default == f"`{str(value).lower()}`", key
        elif "{{" in value:
            assert default.startswith("from `"), key
        else:
            assert default == f"`{value}`", key


def test_every_question_has_a_human_prompt():
    prompts = COOKIECUTTER_JSON["__prompts__"]
    for key, value in QUESTIONS.items():
        assert key in prompts, key
        if key in CHOICES:
            assert prompts[key]["__prompt__"], key
            assert set(prompts[key]) - {"__prompt__"} == set(value), key
    assert set(prompts) == set(QUESTIONS)


def test_template_workflow_passes_actionlint_and_zizmor():
    workflow = TEMPLATE_DIR / ".github" / "workflows" / "ci.yml"
    run([TOOLS_BIN / "actionlint", workflow], cwd=TEMPLATE_DIR, PATH=str(TOOLS_BIN))
    run([TOOLS_BIN / "zizmor", "--offline", workflow], cwd=TEMPLATE_DIR)


def test_template_code_is_ruff_clean():
    paths = ["tests", "scripts", "local_extensions.py"]
    run([TOOLS_BIN / "ruff", "check", *paths], cwd=TEMPLATE_DIR)
    run([TOOLS_BIN / "ruff", "format", "--check", *paths], cwd=TEMPLATE_DIR)


def test_exactly_the_files_without_template_syntax_are_copied_without_render():
    """Rendering a file costs Jinja's compile; one without syntax is copied.

    Keeps `_copy_without_render` in cookiecutter.json true as files change:
    a listed file that gains template syntax would be copied unrendered, and
    an unlisted plain file makes every bake slower.
    """
    syntax = re.compile(r"\{\{|\{%|\{#")

    def needs_rendering(text):
        # A Django template has the same delimiters but names no answer.
        return bool(syntax.search(text)) and "cookiecutter" in text

    project = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
    plain = {
        str(path.relative_to(project))  # as cookiecutter matches them
        for path in project.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not needs_rendering(path.read_bytes().decode("utf-8", errors="replace"))
    }
    listed = set(COOKIECUTTER_JSON["_copy_without_render"])

    assert not listed - plain, f"has template syntax: {sorted(listed - plain)}"
    assert not plain - listed, f"add to _copy_without_render: {sorted(plain - listed)}"


def test_readme_says_how_to_get_uv_or_use_pipx_instead():
    generate = first_code_block(README)[0]
    template = generate.split()[-1]
    after_block = README.split("```", 2)[2].split("\n\n")[1]
    assert "install.sh" in after_block
    assert "pip install uv" in after_block
    assert f"pipx run cookiecutter {template}" in after_block


# A binary file the template may hold: compiled messages, made from the .po
# beside them (the service's test_language.py checks that they match).
KNOWN_BINARY_SUFFIXES = {".mo"}
MOST_BINARY_BYTES = 64 * 1024
MOST_TEXT_BYTES = 512 * 1024  # the largest are the locks, about 270 kB


def is_binary(content):
    if b"\0" in content:
        return True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def test_the_repository_holds_no_large_or_unknown_binary_file():
    """Downloaded wheels, archives or caches never ride along with a commit."""
    tracked = run(["git", "ls-files", "-z"], cwd=TEMPLATE_DIR).stdout.split("\0")
    refused = []
    for name in filter(None, tracked):
        path = TEMPLATE_DIR / name
        if not path.is_file():
            continue  # deleted in the working tree, not yet committed
        content = path.read_bytes()
        if is_binary(content):
            if path.suffix not in KNOWN_BINARY_SUFFIXES:
                refused.append(f"{name}: a binary file of an unknown kind")
            elif len(content) > MOST_BINARY_BYTES:
                refused.append(f"{name}: {len(content)} bytes")
        elif len(content) > MOST_TEXT_BYTES:
            refused.append(f"{name}: {len(content)} bytes of text")
    assert refused == []
