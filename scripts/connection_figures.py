"""`me` with a JWT on PostgreSQL: the service's connection settings against
forced persistent connections and a new connection per request.

    <service>/.venv/bin/python scripts/connection_figures.py --service DIR \\
        --database-url postgres://.../figures [--rounds 10]

Each variant runs the production command (gunicorn, 2 workers x 4 threads)
at once; wrk drives them in turn for 2 s, round after round, so that a busy
moment hits all alike. Prints each variant's requests per second per round,
their mean and median.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import production_server

VARIANTS = {
    "as generated": "",
    "forced persistent": 'DATABASES["default"].update(CONN_MAX_AGE=None, '
    "CONN_HEALTH_CHECKS=False)",
    "one per request": 'DATABASES["default"]["CONN_MAX_AGE"] = 0',
}
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = '{{"query": "{{ me {{ uuid email preferredLanguage }} }}"}}'
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    arguments = parser.parse_args()
    service, issuer, env = production_server.setup(
        arguments.service, arguments.database_url, LOG_LEVEL="ERROR"
    )
    package = production_server.package_name(service)
    overrides = Path(tempfile.mkdtemp())
    script = overrides / "me.lua"
    token = issuer.token(sub=str(uuid.uuid4()), exp=int(time.time()) + 3600)
    script.write_text(LUA.format(token=token))
    servers = {}
    try:
        for number, (name, change) in enumerate(VARIANTS.items()):
            module = f"variant_{number}"
            (overrides / f"{module}.py").write_text(
                f"from {package}.settings import *  # noqa: F403\n{change}\n"
            )
            servers[name] = production_server.start(
                service,
                {
                    **env,
                    "DJANGO_SETTINGS_MODULE": module,
                    "PYTHONPATH": f"{overrides}{os.pathsep}{service}",
                },
            )
        rates = {name: [] for name in VARIANTS}
        for _ in range(arguments.rounds):
            for name, (_, url) in servers.items():
                output = subprocess.run(
                    ["wrk", "-t1", "-c8", "-d2s", "-s", script, f"{url}/graphql"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                assert "Non-2xx" not in output, output
                rate = re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
                rates[name].append(float(rate))
    finally:
        for server, _ in servers.values():
            production_server.stop(server)
        issuer.stop()
    for name, values in rates.items():
        print(
            f"{name:18} " + " ".join(f"{v:4.0f}" for v in values),
            f"  mean {statistics.mean(values):4.0f}"
            f"  median {statistics.median(values):4.0f}",
        )


if __name__ == "__main__":
    sys.exit(main())
