"""What a client sent is cut to a bounded size, visibly."""

import pytest

from common.clipping import MARK, clip, clip_json, json_size


def test_short_text_is_kept_and_long_text_cut_with_the_mark():
    assert clip("short", 10) == "short"
    assert clip("x" * 100, 20) == "x" * (20 - len(MARK)) + MARK
    assert len(clip("x" * 100, 20)) == 20


def test_a_small_value_is_unchanged():
    value = {"action": "updateMe", "path": ["updateMe", 0], "failures": 2, "ok": None}

    assert clip_json(value, 4096) == value


@pytest.mark.parametrize(
    "text",
    ["x" * 10_000, "\x00" * 10_000, "ä" * 10_000],
    ids=["plain", "escaped six-fold", "non-ascii"],
)
def test_many_long_strings_fit_the_limit(text):
    value = {
        "message": text,
        "path": [text] * 10,
        "nested": {"a": text, "b": [text, 1, True]},
        "kept": "small",
    }

    clipped = clip_json(value, 4096)

    assert json_size(clipped) <= 4096
    assert len(clipped["message"].encode()) <= 4096
    assert clipped["message"].endswith(MARK)
    assert clipped["kept"] == "small"
    assert clipped["nested"]["b"][1:] == [1, True]
