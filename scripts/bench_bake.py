"""Time `cookiecutter --no-input` of the template against a trivial template.

Both run the same number of times, interleaved, in one process tree, so a busy
machine slows both alike. Prints the medians and their ratio.

    uv run python scripts/bench_bake.py [--runs 15]
"""

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bake import TEMPLATE_DIR, cookiecutter_config  # noqa: E402

BAKE_GOAL = 1.6  # the template's bake time against the trivial one's, at most


def trivial_template(directory):
    template = directory / "trivial-template"
    (template / "{{cookiecutter.name}}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text('{"name": "trivial"}\n')
    (template / "{{cookiecutter.name}}" / "README.md").write_text(
        "{{ cookiecutter.name }}\n"
    )
    return template


def bake_seconds(template, work, run):
    """Wall time of one `cookiecutter --no-input` of `template`, hooks included."""
    work.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "cookiecutter",
        "--no-input",
        "--config-file",
        cookiecutter_config(work),
        "--output-dir",
        work / f"out-{run}",
        template,
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(runs):
    """Median bake times of this template and the trivial one (ms), and their ratio."""
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        templates = {"template": TEMPLATE_DIR, "trivial": trivial_template(work)}
        times = {name: [] for name in templates}
        for run in range(runs):  # interleaved: a busy moment slows both alike
            for name, template in templates.items():
                times[name].append(bake_seconds(template, work / name, run))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    return {
        "template_ms": medians["template"],
        "trivial_ms": medians["trivial"],
        "ratio": medians["template"] / medians["trivial"],
        "runs": runs,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    result = measure(parser.parse_args().runs)
    print(
        f"Python {platform.python_version()}, {result['runs']} runs each, interleaved"
    )
    print(f"  template  median {result['template_ms']:7.1f} ms")
    print(f"  trivial   median {result['trivial_ms']:7.1f} ms")
    print(f"  ratio     {result['ratio']:.2f}x (goal: <= {BAKE_GOAL:.2f}x)")


if __name__ == "__main__":
    main()
