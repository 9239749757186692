"""`manage.py startapp`: the service's own, from app_template/.

docs/how-to/add-an-app.md is followed word for word by a template test; here
what the command itself decides.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_makes_the_app_from_the_template_and_says_how_to_wire_it(
    settings, tmp_path, capsys
):
    settings.BASE_DIR = tmp_path

    call_command("startapp", "bike_stations")

    app = tmp_path / "bike_stations"
    made = sorted(str(path.relative_to(app)) for path in app.rglob("*.py"))
    assert made == [
        "__init__.py",
        "admin.py",
        "apps.py",
        "migrations/__init__.py",
        "models.py",
        "schema.py",
        "tests/__init__.py",
        "tests/test_schema.py",
    ]
    assert "class BikeStationsConfig(AppConfig):" in (app / "apps.py").read_text()
    assert not [p for p in app.rglob("*.py") if "__app" in p.read_text().lower()]
    printed = capsys.readouterr().out
    assert 'add "bike_stations" to INSTALLED_APPS' in printed
    assert "bike_stations.schema.Query first among the bases of Query" in printed


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Bikes", "not a usable app name"),
        ("class", "not a usable app name"),
        ("json", "a module Python can already import"),
        ("users", "exists already"),
    ],
)
def test_refuses_a_name_it_cannot_use_and_writes_nothing(
    settings, tmp_path, name, reason
):
    if name == "users":
        (tmp_path / "users").mkdir()
    settings.BASE_DIR = tmp_path
    before = sorted(tmp_path.rglob("*"))

    with pytest.raises(CommandError, match=reason):
        call_command("startapp", name)

    assert sorted(tmp_path.rglob("*")) == before
