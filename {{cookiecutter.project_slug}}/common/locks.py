"""A lock for work that one process at a time may do, whichever replica it runs on.

On PostgreSQL it is an advisory lock, held by a connection of its own: it
covers every process that uses the same database, on any machine, and ends
with that connection, so a process that dies never leaves it behind. SQLite
serves one machine, where an flock on the database file does the same
(SQLite's own locks are fcntl locks, which an flock does not touch).
"""

import fcntl
import hashlib
import os
from contextlib import contextmanager

from django.db import connections


def lock_key(name: str) -> int:
    """The advisory lock's 64-bit key for `name`; the same in every process."""
    digest = hashlib.sha256(f"{{ cookiecutter.package_name }}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def exclusive(name: str, *, alias: str = "default", wait: bool = True):
    """Hold the lock `name` on database `alias` for the block.

    Gives whether it is held: with `wait`, always (after waiting for the
    process that holds it); without, False at once when another holds it.
    """
    if connections[alias].vendor == "postgresql":
        with _advisory_lock(lock_key(name), alias, wait) as held:
            yield held
    else:
        with _file_lock(connections[alias].settings_dict["NAME"], wait) as held:
            yield held


@contextmanager
def _advisory_lock(key, alias, wait):
    holder = connections.create_connection(alias)
    try:
        with holder.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s), true", [key])
            else:
                cursor.execute("SELECT null, pg_try_advisory_lock(%s)", [key])
            [_, held] = cursor.fetchone()
        yield held
    finally:
        holder.close()  # ends the session, and with it the lock


@contextmanager
def _file_lock(path, wait):
    if str(path) == ":memory:" or str(path).startswith("file:"):
        yield True  # a database of this process alone
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            held = True
        except BlockingIOError:
            held = False
        yield held
    finally:
        os.close(descriptor)  # releases the lock
