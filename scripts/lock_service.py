"""Re-lock the generated service's dependencies.

Bakes the default answers into a temporary directory, runs `uv lock` there
(`--upgrade` to move to the newest versions that pyproject.toml allows) and
writes the lock back into the template, with the project's own name turned
back into its template variable.

    uv run python scripts/lock_service.py [--upgrade]
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bake import TEMPLATE_DIR, UV, bake  # noqa: E402

TEMPLATE_LOCK = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "uv.lock"
NAME_VARIABLE = 'name = "{{ cookiecutter.project_slug }}"'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true")
    upgrade = ["--upgrade"] if parser.parse_args().upgrade else []
    with tempfile.TemporaryDirectory() as directory:
        _, service = bake(Path(directory) / "output")
        subprocess.run(
            [UV, "lock", "--python", sys.executable, *upgrade], cwd=service, check=True
        )
        lock = (service / "uv.lock").read_text()
    own_name = f'name = "{service.name}"'
    assert lock.count(own_name + "\n") == 1, f"expected one {own_name!r} in the lock"
    TEMPLATE_LOCK.write_text(lock.replace(own_name + "\n", NAME_VARIABLE + "\n"))
    print(f"Wrote {TEMPLATE_LOCK.relative_to(TEMPLATE_DIR)}")


if __name__ == "__main__":
    main()
