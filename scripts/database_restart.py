"""Stop and start PostgreSQL under a running service; see what each request got.

    <service>/.venv/bin/python scripts/database_restart.py --service DIR \\
        --database-url URL --stop-command "..." --start-command "..."

The service runs its production command (gunicorn, 2 workers x 4 threads,
production defaults) on loopback. Every server thread first gets a
connection of its own (bursts of `me` and `updateMe` with a JWT), then the
database stops: one read, one mutation and the two probes are sent while it
is down; then it starts again and the same bursts are sent: each thread's
first query after the restart finds its connection broken. Prints one JSON
line: for each phase, how many requests were answered with the user's data
(`ok`), the other answers, and the probes' statuses.
"""

import argparse
import json
import shlex
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import production_server
import requests

BURST = 32  # requests at once: more than the server has threads
UPDATE_ME = 'updateMe(input: {preferredLanguage: "sv"}) { user { uuid } }'
# A read and a mutation, each with the root field that answers with the user.
DOCUMENTS = [
    ({"query": "{ me { uuid } }"}, "me"),
    ({"query": "mutation { " + UPDATE_ME + " }"}, "updateMe"),
]


def outcome(url, token, number=0):
    """'ok', or a short description of what else came back, for the read
    (even `number`) or the mutation (odd)."""
    document, field = DOCUMENTS[number % 2]
    try:
        response = requests.post(
            f"{url}/graphql",
            json=document,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except requests.RequestException as error:
        return f"no answer: {type(error).__name__}"
    if "Traceback" in response.text:
        return f"{response.status_code} with a traceback"
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.headers.get('Content-Type')}"
    if response.status_code == 200 and (body.get("data") or {}).get(field):
        return "ok"
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    retry = f" Retry-After {response.headers['Retry-After']}" * (
        "Retry-After" in response.headers
    )
    return f"{field} {response.status_code} {','.join(map(str, codes))}{retry}"


def probe(url, path):
    return requests.get(f"{url}{path}", timeout=30).status_code


def burst(url, token, count=BURST):
    """`count` requests at once, reads and mutations in turn."""
    with ThreadPoolExecutor(count) as pool:
        return Counter(pool.map(lambda n: outcome(url, token, n), range(count)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--stop-command", required=True)
    parser.add_argument("--start-command", required=True)
    arguments = parser.parse_args()
    service, issuer, env = production_server.setup(
        arguments.service, arguments.database_url
    )
    server, url = production_server.start(service, env)
    token = issuer.token(sub=str(uuid.uuid4()), exp=int(time.time()) + 3600)
    phases = {}
    try:
        outcome(url, token)  # signs the user in: the account exists from now on
        phases["before"] = burst(url, token) + burst(url, token)
        subprocess.run(shlex.split(arguments.stop_command), check=True)
        phases["down"] = burst(url, token, 2)  # two threads' connections fail
        for path in ("/healthz", "/readiness"):
            phases["down"][f"{path} {probe(url, path)}"] = 1
        subprocess.run(shlex.split(arguments.start_command), check=True)
        phases["after"] = burst(url, token) + burst(url, token)
        phases["after"][f"/readiness {probe(url, '/readiness')}"] = 1
    finally:
        production_server.stop(server)
        issuer.stop()
    print(json.dumps({phase: dict(counts) for phase, counts in phases.items()}))


if __name__ == "__main__":
    main()
