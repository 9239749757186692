"""The request half of scripts/benchmark.py, run with the baked service's Python.

    <service>/.venv/bin/python scripts/benchmark_run.py --service DIR \
        --database-url URL --duration 10 --output results.json

It starts the production command (gunicorn, one worker with four threads,
as one replica of the platform runs it) on 127.0.0.1 once for each stack
(ours, floor, common), all at once; drives each scenario with wrk against each
stack in turn, in interleaved rounds; and counts the CPU time each request
costs: the service's worker and, on PostgreSQL, the database server's
processes. It also counts each scenario's database queries with Django's own
counter and reads the workers' peak memory. Writes everything as JSON.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import production_server

STACKS = {
    "ours": "example_service.settings",
    "floor": "benchstacks.floor",
    "common": "benchstacks.common",
}
TRUSTED_HEADER_STACKS = ("floor",)
ALIASES = " ".join(f"f{number}: serviceInfo {{ name }}" for number in range(100))
SCENARIOS = {
    "a": {"query": "{ serviceInfo { name version } }", "auth": None},
    "b": {"query": "{ me { uuid email preferredLanguage } }", "auth": "valid"},
    "c": {
        "query": "mutation ($l: String) { updateMe(input: {preferredLanguage: $l})"
        " { user { preferredLanguage } } }",
        "variables": [{"l": "sv"}, {"l": "fi"}],
        "auth": "valid",
    },
    "d1": {"query": "{ f0: serviceInfo { name } }", "auth": "expired"},
    "d100": {"query": "{ " + ALIASES + " }", "auth": "expired"},
}
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{headers}
local bodies = {{ {bodies} }}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end
"""
# One replica as the platform runs it: gunicorn.conf.py reads these.
SERVER = {"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4"}


def lua_string(text):
    return "[==[" + text + "]==]"


def headers_for(stack, auth, tokens):
    if auth is None:
        return {}
    if stack in TRUSTED_HEADER_STACKS:
        return {"X-Bench-User": tokens["subject"]}
    return {"Authorization": f"Bearer {tokens[auth]}"}


def bodies_for(scenario):
    variables = scenario.get("variables") or [{}]
    return [json.dumps({"query": scenario["query"], "variables": v}) for v in variables]


def database_server_pid(database_url):
    """The PostgreSQL postmaster behind `database_url`, which must run here:
    the parent of the backend that answers a new connection."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        return int(production_server.stat_fields(backend)[1])
    except OSError:
        sys.exit(
            f"The database server of {database_url} does not run on this machine "
            "(or as another user): its CPU time cannot be read."
        )


def database_cpu_seconds(postmaster):
    """All the CPU time the database server has used so far: the postmaster,
    the backends that ended, and those still running (one per connection, the
    background writers)."""
    own = production_server.stat_fields(postmaster)
    return production_server.cpu_seconds(
        own, ended_children=True
    ) + production_server.children_cpu_seconds(postmaster)


def wrk(server, url, script, duration, connections, postmaster):
    """Drive `url` with wrk; its figures and the CPU time the requests cost."""

    def cpu_now():
        service = production_server.children_cpu_seconds(server.pid)
        database = database_cpu_seconds(postmaster) if postmaster else 0.0
        return service, database

    service_before, database_before = cpu_now()
    output = subprocess.run(
        [
            "wrk",
            "--latency",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "-s",
            script,
            f"{url}/graphql",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    service_after, database_after = cpu_now()
    seconds = {"us": 1e-6, "ms": 1e-3, "s": 1.0}

    def latency(percent):
        value, unit = re.search(
            rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\b", output, re.M
        ).groups()
        return float(value) * seconds[unit] * 1000

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_second": float(
            re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
        ),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "service_cpu_seconds": service_after - service_before,
        "database_cpu_seconds": database_after - database_before,
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def write_script(path, stack, scenario, tokens):
    headers = headers_for(stack, scenario["auth"], tokens)
    path.write_text(
        LUA.format(
            headers="\n".join(
                f'wrk.headers["{k}"] = {lua_string(v)}' for k, v in headers.items()
            ),
            bodies=", ".join(lua_string(b) for b in bodies_for(scenario)),
        )
    )


def combine(rounds):
    """One figure from several wrk rounds: CPU time per request over all of
    them, mean throughput, median latencies."""
    middle = len(rounds) // 2
    requests = sum(r["requests"] for r in rounds)

    def ms_per_request(key):
        return 1000 * sum(r[key] for r in rounds) / requests

    service = ms_per_request("service_cpu_seconds")
    database = ms_per_request("database_cpu_seconds")
    return {
        "cpu_ms_per_request": service + database,
        "service_cpu_ms_per_request": service,
        "database_cpu_ms_per_request": database,
        "requests_per_second": statistics.mean(
            r["requests_per_second"] for r in rounds
        ),
        "p50_ms": sorted(r["p50_ms"] for r in rounds)[middle],
        "p99_ms": sorted(r["p99_ms"] for r in rounds)[middle],
        "non_2xx": sum(r["non_2xx"] for r in rounds),
        "socket_errors": "; ".join(
            r["socket_errors"] for r in rounds if r["socket_errors"]
        ),
    }


def answers(service, env, settings_module, stack, tokens):
    """Each scenario's answer and database queries on its second request,
    counted by Django in a process of the stack's settings."""
    code = f"""
import json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
import benchmark_run as run
tokens = json.loads({json.dumps(json.dumps(tokens))})
found = {{}}
# updateMe before me: every stack's me then reads the same preferred language.
for name in sorted(run.SCENARIOS, key=lambda name: name != "c"):
    scenario = run.SCENARIOS[name]
    client = Client(headers=run.headers_for({stack!r}, scenario["auth"], tokens))
    bodies = run.bodies_for(scenario)
    client.post("/graphql", bodies[0], content_type="application/json")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/graphql", bodies[-1], content_type="application/json")
    found[name] = {{
        "status": response.status_code,
        "body": response.json(),
        "queries": [query["sql"] for query in captured.captured_queries],
    }}
print(json.dumps(found))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=service,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "PYTHONPATH": f"{Path(__file__).parent}{os.pathsep}{service}",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--output", type=Path, required=True)
    arguments = parser.parse_args()
    service = arguments.service.resolve()
    sys.path.insert(0, str(service))
    from conftest import AUDIENCE, Issuer

    issuer = Issuer()
    subject = str(uuid.uuid4())
    # The claims the City's providers send beside the identity: the session
    # (helusers checks it against back-channel logouts on every request), how
    # the person signed in and the level of assurance.
    session = {"sid": str(uuid.uuid4()), "amr": ["suomi_fi"], "loa": "substantial"}
    tokens = {
        "subject": subject,
        "valid": issuer.token(sub=subject, exp=int(time.time()) + 24 * 3600, **session),
        "expired": issuer.token(
            sub=subject, exp=1_600_000_000, iat=1_599_999_000, **session
        ),
    }
    env = {
        **os.environ,
        **SERVER,
        "DATABASE_URL": arguments.database_url,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "TOKEN_AUTH_AUTHSERVER_URL": issuer.url,
        **production_server.TRUST_THE_LOOPBACK_ISSUER,
        "TOKEN_AUTH_ACCEPTED_AUDIENCE": AUDIENCE,
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(service),
    }
    postmaster = None
    if arguments.database_url.startswith("postgres"):
        production_server.create_database(arguments.database_url)
        postmaster = database_server_pid(arguments.database_url)
    production_server.manage(service, env, "migrate", "--no-input", "-v0")
    # The user exists before the first request, as it would after a first login.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from users.models import User; "
            f"User.objects.create(uuid={subject!r}, username='benchmark', "
            "email='bench@example.com')",
        ],
        cwd=service,
        env={**env, "DJANGO_SETTINGS_MODULE": STACKS["ours"]},
        check=True,
    )
    results = {
        "requests": {},
        "answers": {},
        "peak_rss_mb": {},
        "duration": arguments.duration,
        "connections": arguments.connections,
        "rounds": arguments.rounds,
        "server": SERVER,
    }
    scripts = Path(tempfile.mkdtemp())
    servers = {}
    try:
        # All stacks run at once; each scenario visits them in turn, in a few
        # short rounds, so that a busy moment on the machine hits all alike.
        for stack, settings_module in STACKS.items():
            servers[stack] = production_server.start(
                service, {**env, "DJANGO_SETTINGS_MODULE": settings_module}
            )
        seconds = max(1, arguments.duration // arguments.rounds)
        for name, scenario in SCENARIOS.items():
            for stack, (server, url) in servers.items():  # warm up, not counted
                script = scripts / f"{stack}-{name}.lua"
                write_script(script, stack, scenario, tokens)
                wrk(server, url, script, 1, arguments.connections, None)
            rounds = {stack: [] for stack in STACKS}
            for _ in range(arguments.rounds):
                for stack, (server, url) in servers.items():
                    script = scripts / f"{stack}-{name}.lua"
                    rounds[stack].append(
                        wrk(
                            server,
                            url,
                            script,
                            seconds,
                            arguments.connections,
                            postmaster,
                        )
                    )
            results["requests"][name] = {k: combine(v) for k, v in rounds.items()}
        for stack, (server, _) in servers.items():
            results["peak_rss_mb"][stack] = max(
                production_server.worker_memory_mb(server.pid, "VmHWM")
            )
        for stack, settings_module in STACKS.items():
            results["answers"][stack] = answers(
                service, env, settings_module, stack, tokens
            )
    finally:
        for server, _ in servers.values():
            production_server.stop(server)
        shutil.rmtree(scripts)
        issuer.stop()
    arguments.output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
