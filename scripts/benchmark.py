"""Measure the template's promises side by side, in one run; print a table.

    uv run python scripts/benchmark.py [--duration 10] [--json results.json]
                                       [--database-url postgres://...]

1. Bake time: `cookiecutter --no-input` of this template against a trivial
   one-file template (scripts/bench_bake.py).
2. Requests: the default service, baked and installed in a temporary
   directory, under its production command (gunicorn, threads) on 127.0.0.1
   with the loopback OIDC issuer of its tests, driven by wrk for a fixed time
   per scenario; beside it, from the same code base, two baselines
   (scripts/benchstacks/): the floor and the common Helsinki stack.
3. Database queries per request, counted by Django, ours and common.
4. The peak memory of a worker after each stack's run.

Needs wrk (Debian's package `wrk`). Without --database-url, a SQLite file.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bake import UV, bake, find_python  # noqa: E402
from bench_bake import measure  # noqa: E402

SCENARIOS = {
    "a": "serviceInfo, anonymous",
    "b": "me, valid JWT",
    "c": "updateMe, valid JWT",
    "d1": "1 public field, expired JWT",
    "d100": "100 public fields, expired JWT",
}
GOALS = {"a": 1.10, "b": 1.25, "c": 1.5}  # cost against the floor, at most
BASELINE_EXTRAS = ["django-graphql-jwt==0.4.0"]


def request_figures(duration, database_url, work):
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
    output = work / "requests.json"
    subprocess.run(
        [
            venv_python,
            Path(__file__).parent / "benchmark_run.py",
            "--service",
            service,
            "--database-url",
            database_url or f"sqlite:///{work / 'bench.sqlite3'}",
            "--duration",
            str(duration),
            "--output",
            output,
        ],
        check=True,
    )
    return json.loads(output.read_text())


def cost(results, scenario, against):
    """How much more each request costs us than `against`: its req/s over ours."""
    runs = results["requests"][scenario]
    return runs[against]["requests_per_second"] / runs["ours"]["requests_per_second"]


def goals(bake_result, results):
    met = {"bake <= 2.00x": bake_result["ratio"] <= 2.0}
    for scenario, limit in GOALS.items():
        met[f"{scenario} <= {limit:.2f}x floor"] = (
            cost(results, scenario, "floor") <= limit
        )
    runs = results["requests"]
    met["d: ours no slower than common"] = (
        runs["d100"]["ours"]["requests_per_second"]
        >= runs["d100"]["common"]["requests_per_second"]
    )

    def growth(stack):
        """What the 99 extra fields add to a request: 1000/req/s at 100 minus at 1."""
        at_1, at_100 = (runs[d][stack]["requests_per_second"] for d in ("d1", "d100"))
        return 1000 / at_100 - 1000 / at_1

    met["d: 100 vs 1 field grows no more than floor's"] = growth("ours") <= growth(
        "floor"
    )
    met["a: zero queries"] = len(results["queries"]["ours"]["a"]) == 0
    return met, {stack: growth(stack) for stack in ("ours", "floor", "common")}


def table(bake_result, results, met, growth):
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}",
        f"Bake (median of {bake_result['runs']}): "
        f"template {bake_result['template_ms']:.0f} ms, "
        f"trivial {bake_result['trivial_ms']:.0f} ms, "
        f"ratio {bake_result['ratio']:.2f}x",
        f"Requests: wrk -t1 -c{results['connections']}, {results['duration']} s per "
        f"scenario and stack, in {results['rounds']} interleaved rounds",
        "",
        "| scenario | ours req/s | p50 / p99 ms | floor req/s | common req/s |"
        " ours/floor | ours/common | queries ours / common |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario, title in SCENARIOS.items():
        runs = results["requests"][scenario]
        ours = runs["ours"]
        queries = results["queries"]
        lines.append(
            f"| {scenario} {title} | {ours['requests_per_second']:.0f} | "
            f"{ours['p50_ms']:.1f} / {ours['p99_ms']:.1f} | "
            f"{runs['floor']['requests_per_second']:.0f} | "
            f"{runs['common']['requests_per_second']:.0f} | "
            f"{cost(results, scenario, 'floor'):.2f}x | "
            f"{cost(results, scenario, 'common'):.2f}x | "
            f"{len(queries['ours'][scenario])} / {len(queries['common'][scenario])} |"
        )
    lines += [
        "",
        "d, what 99 more fields add (1000 / req/s, at 100 fields minus at 1): "
        + ", ".join(f"{stack} {value:+.1f} ms" for stack, value in growth.items()),
        "Peak worker memory: "
        + ", ".join(f"{k} {v:.0f} MB" for k, v in results["peak_rss_mb"].items()),
        "",
        *(f"{'MET   ' if ok else 'MISSED'} {goal}" for goal, ok in met.items()),
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--bake-runs", type=int, default=9)
    parser.add_argument("--database-url")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: on Debian or Ubuntu, `apt install wrk`.")
    bake_result = measure(arguments.bake_runs)
    with tempfile.TemporaryDirectory() as directory:
        results = request_figures(
            arguments.duration, arguments.database_url, Path(directory)
        )
    met, growth = goals(bake_result, results)
    print(table(bake_result, results, met, growth))
    if arguments.json:
        arguments.json.write_text(
            json.dumps(
                {
                    "machine": {
                        "cores": os.cpu_count(),
                        "python": platform.python_version(),
                    },
                    "bake": bake_result,
                    **results,
                    "goals": met,
                    "growth": growth,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
