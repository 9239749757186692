"""The Jinja filters write any one-line answer as a literal that reads back the same."""

import ast
import tomllib

import pytest

from local_extensions import python_string, toml_string

AWKWARD_TEXT = [
    "",
    "plain",
    'double "quotes"',
    "single 'quotes'",
    "mixed 'single' and \"double\"",
    "back\\slash and \\n not a newline",
    "trailing backslash \\",
    "Ääkköset ja Åland",
    "emoji 🚀 and CJK 中文",
    "braces {} {{ }} }}",
    "control \x01 \x7f and tab\t",
    '"""triple"""',
]


@pytest.mark.parametrize("text", AWKWARD_TEXT)
def test_python_literal_reads_back(text):
    assert ast.literal_eval(python_string(text)) == text


@pytest.mark.parametrize("text", AWKWARD_TEXT)
def test_toml_string_reads_back(text):
    assert tomllib.loads(f"value = {toml_string(text)}")["value"] == text
