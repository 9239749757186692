"""A baked service's admin as production serves it, for a real browser.

Run with the service's Python. It starts the service as production runs it
(scripts/production_server.py: gunicorn, DEBUG off, PostgreSQL) with its
static files collected for whitenoise, password sign-in on, and the
service's loopback OpenID provider as the admin's sign-on provider. It makes
two accounts: `admin` (a superuser with a password) and `maija` (no rights).

It prints one JSON line: the service's and the provider's URLs, the admin's
password, the uuid of `staff` (a staff member who has not signed in yet) and
the server's log file.
Then it answers commands on stdin, a JSON line each, with a JSON line:

    {"person": {...}}         whoever approves the next sign-on at the
                              provider (null: a new person)
    {"ended_sessions": null}  the end-session requests the provider got
    {"entries": "maija"}      the audit log entries of that account

It stops the server at the end of its input.
"""

import argparse
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import production_server  # noqa: E402

PASSWORD = "a browser's password " + uuid.uuid4().hex
ACTIONS = {0: "create", 1: "update", 2: "delete", 3: "access"}


def prepare(arguments, static_root):
    service, issuer, env = production_server.setup(
        arguments.service,
        arguments.database_url,
        STATIC_ROOT=str(static_root),
        ADMIN_PASSWORD_LOGIN="1",
        SOCIAL_AUTH_TUNNISTAMO_KEY="service-admin",
        SOCIAL_AUTH_TUNNISTAMO_SECRET="not-a-real-secret",
        LOG_LEVEL="WARNING",
    )
    env["SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT"] = issuer.url
    production_server.manage(service, env, "collectstatic", "--no-input", "-v0")
    return service, issuer, env


def make_accounts(env):
    """The accounts, through the ORM of this process; the uuid of `staff`."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    users.create_superuser("admin", "admin@example.com", PASSWORD)
    users.create_user("maija", "maija@example.com")
    staff = users.create_user("staff", "staff@example.com", is_staff=True)
    return str(staff.uuid)


def entries(username):
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.get(username=username)
    return [
        {
            "action": ACTIONS[entry.action],
            "actor": entry.actor.username if entry.actor else None,
            "changes": sorted(entry.changes_dict),
            "remote_addr": entry.remote_addr,
            "cid": entry.cid,
        }
        for entry in LogEntry.objects.get_for_object(person).order_by("id")
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as static_root:
        service, issuer, env = prepare(arguments, Path(static_root))
        staff = make_accounts(env)
        log = (Path(static_root) / "server.log").open("w")
        server, url = production_server.start(service, env, output=log)
        try:
            print(
                json.dumps(
                    {
                        "url": url,
                        "provider": issuer.url,
                        "password": PASSWORD,
                        "staff": staff,
                        "log": log.name,
                    }
                ),
                flush=True,
            )
            for line in sys.stdin:
                command, value = next(iter(json.loads(line).items()))
                if command == "person":
                    issuer.person = value
                    answer = None
                elif command == "ended_sessions":
                    answer = issuer.ended_sessions
                else:
                    answer = entries(value)
                print(json.dumps(answer), flush=True)
        finally:
            production_server.stop(server)
            issuer.stop()
            log.close()


if __name__ == "__main__":
    main()
