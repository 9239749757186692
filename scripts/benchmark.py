"""Measure the template's promises side by side, in one run; print a table.

    uv run python scripts/benchmark.py [--duration 10] [--rounds 5]
        [--bake-runs 9] [--database sqlite --database postgres]
        [--json results.json]

1. Bake time: `cookiecutter --no-input` of this template against a trivial
   one-file template (scripts/bench_bake.py).
2. Requests: the default service, baked and installed in a temporary
   directory, under its production command (gunicorn, one worker with four
   threads) on 127.0.0.1 with the loopback OIDC issuer of its tests, driven by
   wrk for a fixed time per scenario in interleaved rounds; beside it, from
   the same code base, two baselines (scripts/benchstacks/): the floor and the
   common Helsinki stack. The cost of a request is the CPU time of the
   service's worker and of the database server's processes. On each database
   asked for (both by default): a SQLite file, and PostgreSQL: the server of
   TEST_DATABASE_URL when it is set (it must run on this machine), else a
   throw-away cluster of the machine's PostgreSQL, as `.ci/run` starts.
3. Database queries per request, counted by Django, and each stack's answer
   to each scenario: a baseline that answers otherwise than ours is reported
   and fails the run.
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
# The most each request may cost us against the floor: CPU time per request
# of the service and its database together.
GOALS = {"a": 1.05, "b": 1.15, "c": 1.40}
STACKS = ("ours", "floor", "common")
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


def request_figures(service, arguments, database_url, output):
    subprocess.run(
        [
            service / ".venv" / "bin" / "python",
            Path(__file__).parent / "benchmark_run.py",
            "--service",
            service,
            "--database-url",
            database_url,
            "--duration",
            str(arguments.duration),
            "--rounds",
            str(arguments.rounds),
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


def cpu(results, scenario, stack):
    return results["requests"][scenario][stack]["cpu_ms_per_request"]


def cost(results, scenario, against):
    """How much more each request costs us than `against`: the CPU time per
    request of our server and its database over theirs. Requests per second
    would count the time the machine gave to other programs too, which on a
    shared machine moves by tens of percent from one round to the next."""
    return cpu(results, scenario, "ours") / cpu(results, scenario, against)


def queries(results, scenario, stack):
    return len(results["answers"][stack][scenario]["queries"])


def goals(results):
    met = {
        f"{scenario} <= {limit:.2f}x floor": cost(results, scenario, "floor") <= limit
        for scenario, limit in GOALS.items()
    }
    met["d: ours no costlier than common"] = cpu(results, "d100", "ours") <= cpu(
        results, "d100", "common"
    )

    def growth(stack):
        """What the 99 extra fields add to a request: CPU ms at 100 minus at 1."""
        return cpu(results, "d100", stack) - cpu(results, "d1", stack)

    met["d: 100 vs 1 field grows no more than the floor's"] = growth("ours") <= growth(
        "floor"
    )
    met["a: zero queries"] = queries(results, "a", "ours") == 0
    return met, {stack: growth(stack) for stack in STACKS}


def same_answers(results):
    """The stacks' answers to each scenario, where they should agree: a
    baseline that answered otherwise measured something else."""
    wrong = []
    for scenario in SCENARIOS:
        ours = results["answers"]["ours"][scenario]
        for stack in STACKS[1:]:
            theirs = results["answers"][stack][scenario]
            if scenario in ("a", "b", "c") and theirs["body"] != ours["body"]:
                wrong.append(f"{scenario}: {stack} answered {theirs['body']}")
        if ours["status"] != 200 or (
            scenario in ("a", "b", "c") and "errors" in ours["body"]
        ):
            wrong.append(f"{scenario}: ours answered {ours['body']}")
    return wrong


def table(bake_result, figures):
    """The bake line, then one table with each database's rows, then the goals."""
    first = next(iter(figures.values()))["results"]
    server = first["server"]
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}",
        f"Bake (median of {bake_result['runs']}, cookiecutter itself): "
        f"template {bake_result['template_ms']:.0f} ms, "
        f"trivial {bake_result['trivial_ms']:.0f} ms, "
        f"ratio {bake_result['ratio']:.2f}x",
        f"Requests: gunicorn {server['WEB_CONCURRENCY']} worker x "
        f"{server['GUNICORN_THREADS']} threads; wrk -t1 -c{first['connections']}, "
        f"{first['duration']} s per scenario and stack in {first['rounds']} "
        "interleaved rounds",
        "",
        "CPU ms/req: the CPU time per request of the service's worker and the "
        "database server's processes (service + database); the ratios are ours "
        "over each baseline's. Queries: counted by Django on one request.",
        "",
        "| database | scenario | ours | floor | common | ours/floor | goal |"
        " ours/common | queries ours / floor / common | ours req/s, p50 / p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for database, figure in figures.items():
        results = figure["results"]
        for scenario, title in SCENARIOS.items():
            runs = results["requests"][scenario]

            def split(stack, runs=runs):
                run = runs[stack]
                return (
                    f"{run['cpu_ms_per_request']:.2f} "
                    f"({run['service_cpu_ms_per_request']:.2f} + "
                    f"{run['database_cpu_ms_per_request']:.2f})"
                )

            goal = f"{GOALS[scenario]:.2f}x" if scenario in GOALS else ""
            ours = runs["ours"]
            lines.append(
                f"| {database} | {scenario} {title} | "
                + " | ".join(split(stack) for stack in STACKS)
                + f" | {cost(results, scenario, 'floor'):.2f}x | {goal} | "
                f"{cost(results, scenario, 'common'):.2f}x | "
                + " / ".join(str(queries(results, scenario, s)) for s in STACKS)
                + f" | {ours['requests_per_second']:.0f}, "
                f"{ours['p50_ms']:.1f} / {ours['p99_ms']:.1f} |"
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
        lines += [f"{database}: WRONG ANSWER {w}" for w in figure["wrong"]]
    lines.append("")
    met = {f"bake <= {BAKE_GOAL:.2f}x": bake_result["ratio"] <= BAKE_GOAL}
    for database, figure in figures.items():
        met.update({f"{database}: {k}": v for k, v in figure["goals"].items()})
    lines += [f"{'MET   ' if ok else 'MISSED'} {goal}" for goal, ok in met.items()]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds per scenario and stack"
    )
    parser.add_argument("--rounds", type=int, default=5)
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
                results = request_figures(service, arguments, url, output)
            else:
                with postgres_server() as server:
                    url = urlunsplit(urlsplit(server)._replace(path="/benchmark"))
                    results = request_figures(service, arguments, url, output)
            met, growth = goals(results)
            figures[database] = {
                "results": results,
                "goals": met,
                "growth": growth,
                "wrong": same_answers(results),
            }
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
    if any(figure["wrong"] for figure in figures.values()):
        sys.exit("A baseline answered otherwise than the service: see WRONG ANSWER.")


if __name__ == "__main__":
    main()
