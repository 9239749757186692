"""Re-lock the generated service's dependencies.

What the service installs depends on some answers (DEPENDENCY_OPTIONS in
local_extensions.py). For each combination of those, this bakes a service,
runs `uv lock` in it (`--upgrade` moves to the newest versions pyproject.toml
allows) and writes the lock to templates/locks/, with the project's own name
turned back into its template variable. The service's uv.lock includes the
right one.

The combination with every option on is locked first; the others start from
its lock, so that the versions they share stay the same.

    uv run python scripts/lock_service.py [--upgrade]
"""

import argparse
import itertools
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bake import TEMPLATE_DIR, UV, bake  # noqa: E402

from local_extensions import DEPENDENCY_OPTIONS, lock_name  # noqa: E402

LOCKS = TEMPLATE_DIR / "templates" / "locks"
NAME_VARIABLE = 'name = "{{ cookiecutter.project_slug }}"'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true")
    upgrade = ["--upgrade"] if parser.parse_args().upgrade else []
    LOCKS.mkdir(parents=True, exist_ok=True)
    combinations = [
        dict(zip(DEPENDENCY_OPTIONS, values, strict=True))
        for values in itertools.product([True, False], repeat=len(DEPENDENCY_OPTIONS))
    ]
    for answers in combinations:
        (LOCKS / f"{lock_name(answers)}.lock").touch()  # baking needs the file
    first_lock = None
    for answers in combinations:
        with tempfile.TemporaryDirectory() as directory:
            _, service = bake(Path(directory) / "output", **answers)
            lock_file = service / "uv.lock"
            if first_lock is not None:
                lock_file.write_text(first_lock)
            elif not lock_file.read_text().strip():
                lock_file.unlink()  # a placeholder from the first run
            command = [UV, "lock", "--python", sys.executable]
            subprocess.run([*command, *upgrade], cwd=service, check=True)
            lock = (service / "uv.lock").read_text()
        own_name = f'name = "{service.name}"\n'
        assert lock.count(own_name) == 1, f"expected one {own_name!r} in the lock"
        target = LOCKS / f"{lock_name(answers)}.lock"
        target.write_text(lock.replace(own_name, NAME_VARIABLE + "\n"))
        first_lock = first_lock or lock
        upgrade = []  # the first lock decides the versions
        print(f"Wrote {target.relative_to(TEMPLATE_DIR)}")


if __name__ == "__main__":
    main()
