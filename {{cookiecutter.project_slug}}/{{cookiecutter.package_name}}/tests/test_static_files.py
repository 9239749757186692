"""Static files, served by the service itself (WhiteNoise) once collected."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings


@pytest.fixture
def collected(tmp_path, settings):
    """collectstatic into a directory of the test's, as the image runs it."""
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--no-input", verbosity=0)
    return settings.STATIC_ROOT


def test_collected_files_are_served_compressed_and_named_by_content(collected):
    with override_settings(STATIC_ROOT=collected):
        client = Client()  # its middleware reads STATIC_ROOT when first used
        page = client.get("/admin/login/")
        [css] = [
            line.split('href="', 1)[1].split('"', 1)[0]
            for line in page.content.decode().splitlines()
            if "admin/css/base" in line
        ]
        response = client.get(css, headers={"Accept-Encoding": "gzip"})

    assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", css)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]


def test_pages_render_before_collectstatic_has_run(client):
    page = client.get("/admin/login/")

    assert page.status_code == 200
    assert "/static/admin/css/base.css" in page.content.decode()


def test_a_browser_asking_for_an_icon_is_told_once_a_day_there_is_none(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 204
    assert response["Cache-Control"] == "public, max-age=86400"
