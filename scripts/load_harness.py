"""Load and faults against a generated service's real production server.

Run with the service's own Python, from anywhere:

    <service>/.venv/bin/python scripts/load_harness.py --service <service> \
        --database-url postgres://user@127.0.0.1:5432/harness

It starts the service's loopback OIDC issuer (from its conftest.py) and the
production command (gunicorn, threads) on 127.0.0.1, then runs three phases
with bounded loops and checks, then prints a summary as JSON:

1. load: users, each making sequential updateMe calls, all at once, with
   readers beside them, and one more user whose clients (two tabs, a retry)
   update at once; no 5xx, every call's LogEntry (found by its X-Request-ID)
   has its own caller as actor, and the shared user's UPDATE entries, in
   order, chain from its first language to the one in the database;
2. issuer faults: readers keep going while the issuer hangs, then errors,
   then comes back, and it rotates its signing key meanwhile; every request
   ends within the issuer timeout + 1 s, tokens with the keys the service
   holds keep verifying, tokens with the new key get AUTHENTICATION_ERROR,
   public fields are always served, and the new key verifies once the
   issuer is back, without a restart;
3. bad documents: invalid JSON, a wrong content type, 1 MB documents, depth
   bombs, alias floods; no 5xx, and the worker grows by less than 50 MB.

Afterwards the database must hold no trace of the mutations that failed.
The exit status is 1 when any check fails.
"""

import json
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import production_server
import requests

USERS = 8
CALLS_PER_USER = 25
READERS = 17  # with the 8 writers, 25 requests in flight
SHARED_CLIENTS = 8  # of one more user, updating at once
SHARED_CALLS = 12
LANGUAGES = ("fi", "sv", "en")
ISSUER_TIMEOUT = 1.0
RSS_GROWTH_LIMIT_MB = 50
UPDATE_ME = (
    "mutation ($language: String) { updateMe(input: {preferredLanguage: $language})"
    " { user { preferredLanguage } } }"
)
READ = "{ serviceInfo { name } me { uuid } }"


def worker_rss_mb(master_pid):
    """Resident memory of gunicorn's worker processes, in MB."""
    return sum(production_server.worker_memory_mb(master_pid, "VmRSS"))


class Client:
    """Sends GraphQL and records each call's outcome."""

    def __init__(self, url):
        self.url = url
        self.local = threading.local()
        self.lock = threading.Lock()
        self.calls = []

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def post(self, phase, token=None, json_body=None, data=None, **headers):
        request_id = uuid.uuid4().hex
        headers["X-Request-ID"] = request_id
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        try:
            response = self.session().post(
                f"{self.url}/graphql",
                json=json_body,
                data=data,
                headers=headers,
                timeout=30,
            )
            status, body = response.status_code, response.text
        except requests.RequestException as error:
            status, body = 0, str(error)
        call = {
            "phase": phase,
            "request_id": request_id,
            "status": status,
            "seconds": time.monotonic() - started,
            "body": body if len(body) < 10_000 else body[:10_000],
        }
        with self.lock:
            self.calls.append(call)
        return call

    def phase(self, name):
        return [call for call in self.calls if call["phase"] == name]


def codes(call):
    try:
        return [
            e["extensions"]["code"] for e in json.loads(call["body"]).get("errors", [])
        ]
    except (ValueError, KeyError, TypeError):
        return ["<not a GraphQL error>"]


def data(call):
    try:
        return json.loads(call["body"]).get("data") or {}
    except ValueError:
        return {}


def run_readers(client, phase, tokens, stop):
    def read(token):
        while not stop.is_set():
            client.post(phase, token=token, json_body={"query": READ})

    with ThreadPoolExecutor(READERS) as pool:
        for number in range(READERS):
            pool.submit(read, tokens[number % len(tokens)])


def load_phase(client, issuer):
    """Each user makes sequential updateMe calls, all users at once, readers beside."""
    subjects = [str(uuid.uuid4()) for _ in range(USERS)]
    tokens = {subject: issuer.token(sub=subject) for subject in subjects}
    expected = {}  # request id -> subject, for every updateMe call that succeeded

    def write(subject):
        for number in range(CALLS_PER_USER):
            language = ("sv", "fi")[number % 2]
            call = client.post(
                "load",
                token=tokens[subject],
                json_body={"query": UPDATE_ME, "variables": {"language": language}},
            )
            if call["status"] == 200 and not codes(call):
                expected[call["request_id"]] = subject
        # One that fails validation: it must leave nothing behind.
        client.post(
            "load-invalid",
            token=tokens[subject],
            json_body={"query": UPDATE_ME, "variables": {"language": "xx"}},
        )

    shared = str(uuid.uuid4())
    client.post(
        "load-shared", token=issuer.token(sub=shared), json_body={"query": READ}
    )

    def write_shared(number):
        for step in range(SHARED_CALLS):
            language = LANGUAGES[(number + step) % len(LANGUAGES)]
            client.post(
                "load-shared",
                token=issuer.token(sub=shared),
                json_body={"query": UPDATE_ME, "variables": {"language": language}},
            )

    stop = threading.Event()
    readers = threading.Thread(
        target=run_readers, args=(client, "load-read", list(tokens.values()), stop)
    )
    readers.start()
    with ThreadPoolExecutor(USERS + SHARED_CLIENTS) as pool:
        done = [pool.submit(write, subject) for subject in subjects]
        done += [pool.submit(write_shared, n) for n in range(SHARED_CLIENTS)]
        for future in done:
            future.result()
    stop.set()
    readers.join()
    return subjects, expected, shared


def fault_phase(client, issuer, server):
    """Readers run on while the issuer hangs, then errors, then comes back.

    As the faults begin the issuer rotates its key: readers with tokens
    signed by it join those with tokens signed by the key the service holds.
    """
    known = [issuer.token() for _ in range(4)]
    stop_known, stop_new = threading.Event(), threading.Event()
    timeline = []

    def switch(mode):
        issuer.set_mode(mode)
        timeline.append((time.monotonic(), mode))

    def readers(phase, tokens, stop):
        thread = threading.Thread(
            target=run_readers, args=(client, phase, tokens, stop)
        )
        thread.start()
        return thread

    switch("up")
    known_readers = readers("faults-known", known, stop_known)
    time.sleep(2)
    switch("hang")
    new_key = issuer.rotate()
    new = [issuer.token(key=new_key) for _ in range(4)]
    new_readers = readers("faults-new", new, stop_new)
    time.sleep(4)
    switch("error")
    time.sleep(3)
    stop_new.set()
    new_readers.join()
    switch("up")
    recovered_at = None
    deadline = time.monotonic() + 15
    while recovered_at is None and time.monotonic() < deadline:
        call = client.post("faults-probe", token=new[0], json_body={"query": READ})
        if not codes(call) and data(call).get("me"):
            recovered_at = time.monotonic()
        else:
            time.sleep(0.2)
    stop_known.set()
    known_readers.join()
    return timeline, recovered_at, server.poll() is None


def bad_document_phase(client, issuer, master_pid):
    token = issuer.token()
    depth = 200
    bomb = "query { " + "me { " * depth + "uuid" + " }" * depth + " }"
    flood = (
        "query { "
        + " ".join(f"a{n}: serviceInfo {{ name }}" for n in range(3000))
        + " }"
    )
    megabyte = "query { " + "serviceInfo { name } " * 50_000 + "}"
    attacks = [
        {"data": "{not json", "Content-Type": "application/json"},
        {"data": "query { serviceInfo { name } }", "Content-Type": "text/plain"},
        {"json_body": {"query": megabyte}},
        {"json_body": {"query": bomb}},
        {"json_body": {"query": flood}},
        {"json_body": {"query": megabyte}, "token": token},
        {"json_body": {"query": flood}, "token": token},
    ]
    before = worker_rss_mb(master_pid)

    def attack(number):
        kwargs = dict(attacks[number % len(attacks)])
        headers = {k: kwargs.pop(k) for k in list(kwargs) if k[0].isupper()}
        client.post("bad-documents", **kwargs, **headers)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(attack, range(len(attacks) * 30)))
    return before, worker_rss_mb(master_pid)


def check(summary, name, passed, detail):
    summary["checks"].append({"check": name, "passed": bool(passed), "detail": detail})


def verify_database(summary, client, subjects, expected, shared):
    """Each successful call is in the audit log with its caller; failures left
    none; the shared user's entries chain exactly."""
    import django

    django.setup()
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model

    users = {
        str(user.uuid): user
        for user in get_user_model().objects.filter(uuid__in=subjects)
    }
    entries = {
        entry.cid: entry
        for entry in LogEntry.objects.filter(
            cid__in=list(expected), action=LogEntry.Action.UPDATE
        )
    }
    wrong_actor = [
        request_id
        for request_id, subject in expected.items()
        if request_id not in entries
        or entries[request_id].actor_id != users[subject].pk
    ]
    check(
        summary,
        "every updateMe call's LogEntry has its own caller as actor",
        not wrong_actor and len(expected) == USERS * CALLS_PER_USER,
        f"{len(expected)} successful calls, {len(entries)} entries, "
        f"{len(wrong_actor)} wrong",
    )
    failed_ids = [call["request_id"] for call in client.phase("load-invalid")]
    traces = LogEntry.objects.filter(
        cid__in=failed_ids, action__in=[LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    ).count()
    languages = {users[subject].preferred_language for subject in subjects}
    check(
        summary,
        "failed mutations left no writes behind",
        traces == 0 and languages <= {"fi", "sv"},
        f"{len(failed_ids)} failed calls, {traces} audit entries from them, "
        f"languages {sorted(languages)}",
    )

    shared_user = get_user_model().objects.get(uuid=shared)
    chain = [
        entry.changes_dict["preferred_language"]
        for entry in LogEntry.objects.get_for_object(shared_user)
        .filter(action=LogEntry.Action.UPDATE)
        .order_by("pk")
        if "preferred_language" in entry.changes_dict
    ]
    values = ["fi"]  # a new user's language
    breaks = 0
    for old, new in chain:
        breaks += old != values[-1]
        values.append(new)
    shared_calls = client.phase("load-shared")[1:]
    failed = [call for call in shared_calls if call["status"] != 200 or codes(call)]
    check(
        summary,
        "one user's concurrent updates chain exactly, first value to the database's",
        not failed
        and chain
        and not breaks
        and values[-1] == shared_user.preferred_language,
        f"{SHARED_CLIENTS} clients x {SHARED_CALLS} calls, {len(failed)} failed, "
        f"{len(chain)} entries, {breaks} breaks, the last ends at {values[-1]!r}, "
        f"the database holds {shared_user.preferred_language!r}",
    )


def main():
    service, issuer, env = production_server.prepare(
        __doc__.splitlines()[0],
        TOKEN_AUTH_ISSUER_TIMEOUT=str(ISSUER_TIMEOUT),
        # Refreshes and refetches are due every second, so that the faults bite.
        TOKEN_AUTH_KEYS_CACHE_SECONDS="1",
        TOKEN_AUTH_KEYS_REFETCH_COOLDOWN="1",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="16",
    )
    os.environ.update(env)
    log = (service.parent / "harness-server.log").open("w")
    server, url = production_server.start(service, env, output=log)
    client = Client(url)
    summary = {"checks": []}
    started = time.monotonic()
    try:
        subjects, expected, shared = load_phase(client, issuer)
        timeline, recovered_at, same_server = fault_phase(client, issuer, server)
        rss_before, rss_after = bad_document_phase(client, issuer, server.pid)
    finally:
        issuer.set_mode("up")
        production_server.stop(server)
        log.close()
    summary["seconds"] = round(time.monotonic() - started, 1)
    summary["requests"] = len(client.calls)

    server_errors = [
        call for call in client.calls if call["status"] >= 500 or not call["status"]
    ]
    check(
        summary,
        "no 5xx and no broken connections",
        not server_errors,
        f"{len(client.calls)} requests, {len(server_errors)} failed",
    )

    known_calls, new_calls = client.phase("faults-known"), client.phase("faults-new")
    fault_calls = known_calls + new_calls
    slowest = max(call["seconds"] for call in fault_calls)
    check(
        summary,
        "during issuer faults every request ends within timeout + 1 s",
        slowest <= ISSUER_TIMEOUT + 1,
        f"{len(fault_calls)} requests, slowest {slowest:.2f} s",
    )
    unserved = [call for call in known_calls if codes(call) or not data(call).get("me")]
    refused = [call for call in new_calls if codes(call) == ["AUTHENTICATION_ERROR"]]
    public_missing = [call for call in fault_calls if not data(call).get("serviceInfo")]
    check(
        summary,
        "during faults held keys verify, the new key is refused, public data served",
        known_calls
        and not unserved
        and new_calls
        and len(refused) == len(new_calls)
        and not public_missing,
        f"{len(known_calls) - len(unserved)} of {len(known_calls)} held-key reads "
        f"served, {len(refused)} of {len(new_calls)} new-key reads refused, "
        f"{len(public_missing)} without public data",
    )
    check(
        summary,
        "the new key verifies when the issuer is back, without a restart",
        recovered_at is not None and same_server,
        f"recovered {recovered_at - timeline[-1][0]:.1f} s after the issuer came back"
        if recovered_at
        else "not recovered",
    )

    bad_calls = client.phase("bad-documents")
    statuses = sorted({call["status"] for call in bad_calls})
    growth = rss_after - rss_before
    check(
        summary,
        "bad documents get 4xx or GraphQL errors, never 5xx",
        all(call["status"] in (200, 400, 413, 415) for call in bad_calls),
        f"{len(bad_calls)} requests, statuses {statuses}",
    )
    check(
        summary,
        f"worker memory grows by less than {RSS_GROWTH_LIMIT_MB} MB",
        growth < RSS_GROWTH_LIMIT_MB,
        f"{rss_before:.0f} MB -> {rss_after:.0f} MB ({growth:+.1f} MB)",
    )

    verify_database(summary, client, subjects, expected, shared)

    for item in summary["checks"]:
        print(
            f"{'PASS' if item['passed'] else 'FAIL'}  {item['check']}: {item['detail']}"
        )
    print(json.dumps(summary))
    return 0 if all(item["passed"] for item in summary["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
