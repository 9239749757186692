"""What a client sent is cut to a bounded size, visibly."""

import pytest
from auditlog.models import LogEntry

from common.clipping import MARK, clip, clip_json, json_size, storable
from users.models import User


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


def test_characters_postgresql_refuses_are_replaced():
    value = {"text": "a\x00b", "list": ["\ud800", 1, None], "nested": {"k": "\udfff"}}

    assert storable(value) == {
        "text": "a\ufffdb",
        "list": ["\ufffd", 1, None],
        "nested": {"k": "\ufffd"},
    }
    assert storable("ä and \U0001f600 stay") == "ä and \U0001f600 stay"


@pytest.mark.django_db
def test_an_audit_entry_with_such_characters_is_stored():
    user = User.objects.create(username="someone")

    entry = LogEntry.objects.log_create(
        user,
        action=LogEntry.Action.UPDATE,
        changes={"first_name": ["Maija\x00", "Mai\ud800ja"]},
        additional_data={"note": "\x00"},
        force_log=True,
    )

    entry.refresh_from_db()
    assert entry.changes_dict == {"first_name": ["Maija\ufffd", "Mai\ufffdja"]}
    assert entry.additional_data["note"] == "\ufffd"
