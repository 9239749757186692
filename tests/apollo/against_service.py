"""Run client.mjs against a baked service's production server, on PostgreSQL.

Run with the service's Python: it starts the service as production runs it
(scripts/production_server.py, introspection off) with a loopback issuer,
then runs the client in --client (a directory with client.mjs and its
node_modules) with a token from that issuer, and prints the client's line.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import production_server  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--service", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--client", type=Path, required=True)
    arguments = parser.parse_args()
    service, issuer, env = production_server.setup(
        arguments.service, arguments.database_url
    )
    server, url = production_server.start(service, env)
    try:
        result = subprocess.run(
            ["node", "client.mjs"],
            cwd=arguments.client,
            env={**os.environ, "SERVICE_URL": url, "TOKEN": issuer.token()},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        production_server.stop(server)
        issuer.stop()
    sys.stderr.write(result.stderr)
    print(result.stdout, end="")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
