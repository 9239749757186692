"""Measure the template's promises side by side, in one run; print a table.

    uv run python scripts/benchmark.py [--duration 10] [--bake-runs 9]
        [--database sqlite --database postgres] [--json results.json]

1. Bake time: `cookiecutter --no-input` of this template against a trivial
   one-file template (scripts/bench_bake.py).
2. Requests: the default service, baked and installed in a temporary
   directory, under its production command (gunicorn, threads) on 127.0.0.1
   with the loopback OIDC issuer of its tests, driven by wrk for a fixed time
   per scenario; beside it, from the same code base, three baselines
   (scripts/benchstacks/): the same-view floor, the floor and the common
   Helsinki stack. On each database asked for (both by default): a SQLite
   file, and PostgreSQL: the server of TEST_DATABASE_URL when it is set,
   else a throw-away cluster of the machine's PostgreSQL, as `.ci/run` starts.
3. Database queries per request, counted by Django, ours and common.
4. The peak memory of a worker after each stack's run.

Needs wrk (Debian's package `wrk`).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bake import UV, bake, find_python  # noqa: E402
from bench_bake import BAKE_GOAL, measure  # noqa: E402
from own_postgres import throwaway_cluster  # noqa: E402

SCENARIOS = {
    "a": "serviceInfo, anonymous",
    "b": "me, valid JWT",
    "c": "updateMe, valid JWT",
    "d1": "1 public field, expired JWT",
    "d100": "100 public fields, expired JWT",
}
# The most each request may cost us against a baseline.
GOALS = {
    "view-floor": {"a": 1.05, "b": 1.15, "c": 1.4},
    "floor": {"a": 1.10, "b": 1.25, "c": 1.5},
}
STACKS = ("ours", "view-floor", "floor", "common")
BASELINE_EXTRAS = ["django-graphql-jwt==0.4.0"]


def install_service(work):
    """The default service, baked and installed with the baselines beside it."""
    _, service = bake(work / "output")
    python = find_python("3.12") or sys.executable
    subprocess.run(
        [UV, "sync", "--locked", "--python", python, "-q"], cwd=service, check=True
    )
    venv_python = service / ".venv" / "bin" / "python"
    subprocess.run(
        [UV, "pip", "install", "-q", "--python", venv_python, *BASELINE_EXTRAS],
        cwd=service,
        check=True,
    )
    shutil.copytree(Path(__file__).parent / "benchstacks", service / "benchstacks")
    return service


def request_figures(service, duration, database_url, output):
    subprocess.run(
        [
            service / ".venv" / "bin" / "python",
            Path(__file__).parent / "benchmark_run.py",
            "--service",
            service,
            "--database-url",
            database_url,
            "--duration",
            str(duration),
            "--output",
            output,
        ],
        check=True,
    )
    return json.loads(output.read_text())


@contextmanager
def postgres_server():
    """The URL of a PostgreSQL server to make the benchmark's database on."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
    else:
        with throwaway_cluster() as cluster:
            yield cluster.url


def cost(results, scenario, against):
    """How much more each request costs us than `against`: our server's CPU time
    per request over its. Requests per second would count the time the machine
    gave to other programs too, which on a shared machine moves by tens of
    percent from one round to the next."""
    runs = results["requests"][scenario]
    return runs["ours"]["cpu_ms_per_request"] / runs[against]["cpu_ms_per_request"]


def goals(results):
    met = {}
    for baseline, limits in GOALS.items():
        for scenario, limit in limits.items():
            met[f"{scenario} <= {limit:.2f}x {baseline}"] = (
                cost(results, scenario, baseline) <= limit
            )
    runs = results["requests"]
    met["d: ours no slower than common"] = (
        runs["d100"]["ours"]["cpu_ms_per_request"]
        <= runs["d100"]["common"]["cpu_ms_per_request"]
    )

    def growth(stack):
        """What the 99 extra fields add to a request: CPU ms at 100 minus at 1."""
        at_1, at_100 = (runs[d][stack]["cpu_ms_per_request"] for d in ("d1", "d100"))
        return at_100 - at_1

    met["d: 100 vs 1 field grows no more than floor's"] = growth("ours") <= growth(
        "floor"
    )
    met["a: zero queries"] = len(results["queries"]["ours"]["a"]) == 0
    return met, {stack: growth(stack) for stack in STACKS}


def table(bake_result, figures):
    """The bake line, then one table with each database's rows, then the goals."""
    first = next(iter(figures.values()))["results"]
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}",
        f"Bake (median of {bake_result['runs']}, cookiecutter itself): "
        f"template {bake_result['template_ms']:.0f} ms, "
        f"trivial {bake_result['trivial_ms']:.0f} ms, "
        f"ratio {bake_result['ratio']:.2f}x",
        f"Requests: wrk -t1 -c{first['connections']}, {first['duration']} s per "
        f"scenario and stack, in {first['rounds']} interleaved rounds",
        "",
        "CPU ms/req: the server workers' CPU time per request; the ratios are"
        " ours over each baseline's",
        "",
        "| database | scenario | ours req/s | p50 / p99 ms | CPU ms/req ours |"
        " view-floor | floor | common | ours/view-floor | ours/floor | ours/common |"
        " queries ours / common |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        " ---: |",
    ]
    for database, figure in figures.items():
        results = figure["results"]
        queries = results["queries"]
        for scenario, title in SCENARIOS.items():
            runs = results["requests"][scenario]
            ours = runs["ours"]
            cpu = " | ".join(
                f"{runs[stack]['cpu_ms_per_request']:.2f}" for stack in STACKS
            )
            costs = " | ".join(
                f"{cost(results, scenario, stack):.2f}x" for stack in STACKS[1:]
            )
            lines.append(
                f"| {database} | {scenario} {title} | "
                f"{ours['requests_per_second']:.0f} | "
                f"{ours['p50_ms']:.1f} / {ours['p99_ms']:.1f} | {cpu} | {costs} | "
                f"{len(queries['ours'][scenario])} / "
                f"{len(queries['common'][scenario])} |"
            )
    lines.append("")
    for database, figure in figures.items():
        results = figure["results"]
        lines += [
            f"{database}: d, what 99 more fields add (CPU ms/req at 100 fields "
            "minus at 1): "
            + ", ".join(f"{k} {v:+.1f} ms" for k, v in figure["growth"].items()),
            f"{database}: peak worker memory: "
            + ", ".join(f"{k} {v:.0f} MB" for k, v in results["peak_rss_mb"].items()),
        ]
    lines.append("")
    met = {f"bake <= {BAKE_GOAL:.2f}x": bake_result["ratio"] <= BAKE_GOAL}
    for database, figure in figures.items():
        met.update({f"{database}: {k}": v for k, v in figure["goals"].items()})
    lines += [f"{'MET   ' if ok else 'MISSED'} {goal}" for goal, ok in met.items()]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--bake-runs", type=int, default=9)
    parser.add_argument(
        "--database",
        action="append",
        choices=("sqlite", "postgres"),
        help="sqlite, postgres, or both (the default) by giving it twice",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: on Debian or Ubuntu, `apt install wrk`.")
    bake_result = measure(arguments.bake_runs)
    figures = {}
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        service = install_service(work)
        for database in arguments.database or ["sqlite", "postgres"]:
            output = work / f"requests-{database}.json"
            if database == "sqlite":
                url = f"sqlite:///{work / 'bench.sqlite3'}"
                results = request_figures(service, arguments.duration, url, output)
            else:
                with postgres_server() as server:
                    url = urlunsplit(urlsplit(server)._replace(path="/benchmark"))
                    results = request_figures(service, arguments.duration, url, output)
            met, growth = goals(results)
            figures[database] = {"results": results, "goals": met, "growth": growth}
    print(table(bake_result, figures))
    if arguments.json:
        arguments.json.write_text(
            json.dumps(
                {
                    "machine": {
                        "cores": os.cpu_count(),
                        "python": platform.python_version(),
                    },
                    "bake": bake_result,
                    "databases": figures,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
