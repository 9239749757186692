"""Making what a client chose into something logs and records can keep.

A token's claims, an alias, an operation name or a value that fails
validation may be as long as the request allows. Whatever the service writes
about them - a log line, a record of a failure - is cut here, with a visible
mark, so that one request writes a bounded amount.

They may also hold characters that PostgreSQL refuses to store (SQLite takes
them): NUL, in text and in JSON, and lone surrogates, which are not UTF-8.
Records replace those with U+FFFD, so that they are kept rather than lost
with the request that tried to write them.
"""

import json
import re
from functools import partial

MARK = "...[cut]"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clip(text, limit):
    """`text` if it has at most `limit` characters, else its start and MARK;
    storable (below) either way."""
    text = UNSTORABLE.sub(REPLACEMENT, str(text))
    if len(text) <= limit:
        return text
    return text[: max(limit - len(MARK), 0)] + MARK


def storable(value):
    """`value` (text, or JSON: dicts, lists, strings...) with the characters
    PostgreSQL refuses replaced by U+FFFD."""
    return _map_strings(value, partial(UNSTORABLE.sub, REPLACEMENT))


def make_text_storable(sender, instance, **kwargs):
    """pre_save receiver for a model of records: every text and JSON value made
    storable. Connected for LogEntry by the audit app, and by any app that
    keeps records of its own."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, (str, dict, list)):
            setattr(instance, field.attname, storable(value))


def json_size(value):
    """The size of `value` as compact JSON; at least its size in UTF-8."""
    return len(json.dumps(value, separators=(",", ":")))


def clip_json(value, limit, longest_string=500):
    """`value` (JSON: dicts, lists, strings...) cut to `limit` characters of JSON.

    Every string is first cut to `longest_string`; then, while the whole is
    still too big, the longest string left is halved.
    """
    value = _map_strings(value, lambda text: clip(text, longest_string))
    while json_size(value) > limit:
        longest = max(_strings(value), key=len, default="")
        if len(longest) <= len(MARK):
            raise ValueError("the value is too large even with its strings cut")
        value = _map_strings(value, partial(_halve_if, longest))
    return value


def _halve_if(chosen, text):
    return clip(text, len(text) // 2) if text is chosen else text


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _map_strings(value, change):
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_map_strings(item, change) for item in value]
    return value
