"""What each hostile request costs a generated service's real production server.

Run with the service's own Python, from anywhere:

    <service>/.venv/bin/python scripts/hostile_figures.py --service <service> \
        --database-url postgres://user@127.0.0.1:5432/figures

It starts the production command (gunicorn, one worker, on PostgreSQL) with a
loopback issuer and sends it each request of the service's corpus
(<package>/tests/hostile.py), then a plain `{ serviceInfo { name } }`. For
each it prints the status and error code the server gave, and the CPU time
its worker spent per request (from /proc, so time the machine gave to other
programs does not count), beside the plain query's, and marks a class that
costs more than MAX_CPU_MS. It exits 1 if a request got another status or
code than the corpus says.
"""

import importlib
import sys
import time

import production_server
import requests

MAX_CPU_MS = 100
# Each class is sent until the worker has spent this much CPU on it (or
# MAX_ROUNDS times): /proc counts in 10 ms ticks.
CPU_PER_CLASS = 0.3
MIN_ROUNDS, MAX_ROUNDS = 10, 100


def send(url, case, token):
    headers = {"Content-Type": "application/json"}
    if case.signed_in:
        headers["Authorization"] = f"Bearer {token}"
    response = requests.post(
        f"{url}/graphql", data=case.body, headers=headers, timeout=30
    )
    try:
        errors = response.json().get("errors") or [{}]
    except ValueError:
        errors = [{}]
    return response.status_code, errors[0].get("extensions", {}).get("code")


def cpu_ms_per_request(url, case, token, master_pid):
    """The worker's CPU time per request of `case`, in ms, and its last answer."""
    started = production_server.children_cpu_seconds(master_pid)
    rounds = 0
    while rounds < MIN_ROUNDS or (
        rounds < MAX_ROUNDS
        and production_server.children_cpu_seconds(master_pid) - started < CPU_PER_CLASS
    ):
        answer = send(url, case, token)
        rounds += 1
    time.sleep(0.05)  # the last request's accounting reaches /proc
    spent = production_server.children_cpu_seconds(master_pid) - started
    return spent / rounds * 1000, answer


def main():
    service, issuer, env = production_server.prepare(
        __doc__.splitlines()[0], WEB_CONCURRENCY="1"
    )
    package = production_server.package_name(service)
    corpus = importlib.import_module(f"{package}.tests.hostile")
    plain = corpus.Hostile(
        "plain serviceInfo", corpus.query("{ serviceInfo { name } }"), 200, None
    )
    server, url = production_server.start(service, env)
    failures = []
    try:
        token = issuer.token()
        send(url, plain, token)  # the first request loads what is loaded lazily
        base, _ = cpu_ms_per_request(url, plain, token, server.pid)
        print("| request | bytes | status | code | CPU ms | x plain |")
        print("|---|---:|---:|---|---:|---:|")
        print(f"| {plain.name} | {len(plain.body)} | 200 | | {base:.1f} | 1.0 |")
        for case in corpus.hostile_requests():
            cost, (status, code) = cpu_ms_per_request(url, case, token, server.pid)
            mark = ""
            if (status, code) != (case.status, case.code):
                mark = f" (expected {case.status} {case.code})"
                failures.append(case.name)
            over = f" (over {MAX_CPU_MS})" if cost > MAX_CPU_MS else ""
            print(
                f"| {case.name} | {len(case.body)} | {status}{mark} | "
                f"{code or ''} | {cost:.1f}{over} | {cost / base:.1f} |"
            )
    finally:
        production_server.stop(server)
        issuer.stop()
    if failures:
        print(f"Not as expected: {', '.join(sorted(set(failures)))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
