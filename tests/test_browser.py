"""The admin in a real browser: Debian's Chromium, driven by Selenium.

An all-options bake runs as production runs it (tests/browser/serve_admin.py:
gunicorn, DEBUG off, whitenoise, PostgreSQL) with the service's loopback
OpenID provider. The browser signs in with a password and edits a person,
signs on through the provider's approval page as a staff member and as
someone without rights, and signs out through the provider's end-session
endpoint. No page may log an error in the console: a Content-Security-Policy
violation is one.
"""

import json
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from bake import TEMPLATE_DIR, clean_env
from conftest import combination_params, database_url
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 60  # seconds for a page to arrive: a generous bound, never a verdict


class Server:
    """tests/browser/serve_admin.py, and the commands it answers."""

    def __init__(self, service, postgres_url):
        self.process = subprocess.Popen(
            [
                service.venv / "python",
                TEMPLATE_DIR / "tests/browser/serve_admin.py",
                "--service",
                service.path,
                "--database-url",
                database_url(postgres_url, "browser"),
            ],
            cwd=TEMPLATE_DIR,
            env=clean_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started = self.process.stdout.readline()
        assert started, "serve_admin.py ended before it served"
        self.__dict__.update(json.loads(started))

    def ask(self, command, value=None):
        self.process.stdin.write(json.dumps({command: value}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def problems(self):
        """The server's log lines other than its access log: shown on failure."""
        with open(self.log) as log:
            return [line for line in log if '"gunicorn.access"' not in line]

    def stop(self):
        print("".join(self.problems()))  # pytest shows it when the test fails
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture
def browser():
    """Headless Chromium that asks for English pages and keeps its console."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    missing = "apt-get install chromium chromium-driver (as .ci/run does)"
    assert chromium, missing
    assert driver, missing
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",  # as root in a container
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--lang=en",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(options=options, service=DriverService(driver))
    chrome.implicitly_wait(0)
    yield chrome
    chrome.quit()


def wait_for(browser, condition):
    return WebDriverWait(browser, WAIT).until(lambda _: condition())


def arrive(browser, path, text):
    """Wait until the browser is at `path` with `text` on the page."""
    wait_for(
        browser,
        lambda: (
            urlsplit(browser.current_url).path == path
            and text in browser.find_element(By.TAG_NAME, "body").text
        ),
    )


def console_errors(browser):
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE"
    ]


def sign_out(browser):
    browser.find_element(By.CSS_SELECTOR, "#logout-form button").click()


def sign_on(browser, server, person):
    """The login page's Helsinki Login, then the provider's approval page."""
    server.ask("person", person)
    browser.get(f"{server.url}/admin/login/?next=/admin/")
    browser.find_element(By.ID, "helsinki-login-btn").click()
    wait_for(browser, lambda: browser.current_url.startswith(server.provider))
    browser.find_element(By.ID, "approve").click()


@pytest.mark.parametrize("name", combination_params("all-on"))
def test_the_admin_in_a_real_browser(services, name, postgres_url, browser):
    server = Server(services(name), postgres_url)
    try:
        # A password sign-in, and an edit of a person.
        browser.get(f"{server.url}/admin/")
        arrive(browser, "/admin/login/", "Sign in with your City of Helsinki account")
        browser.find_element(By.ID, "id_username").send_keys("admin")
        browser.find_element(By.ID, "id_password").send_keys(server.password)
        browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
        arrive(browser, "/admin/", "Site administration")
        browser.get(f"{server.url}/admin/users/user/?q=maija")
        browser.find_element(By.LINK_TEXT, "maija").click()
        first_name = wait_for(
            browser, lambda: browser.find_element(By.ID, "id_first_name")
        )
        first_name.send_keys("Maija")
        browser.find_element(By.NAME, "_save").click()
        arrive(browser, "/admin/users/user/", "was changed successfully")
        sign_out(browser)
        arrive(browser, "/admin/login/", "Sign in with your City of Helsinki account")

        entries = server.ask("entries", "maija")
        [update] = [entry for entry in entries if entry["action"] == "update"]
        assert update["actor"] == "admin"
        assert update["changes"] == ["first_name"]
        assert update["remote_addr"] == "127.0.0.1"
        read = [entry for entry in entries if entry["action"] == "access"]
        # Each request that read her: the list, the change page, the save
        # (which reads her before it writes) and the list after it.
        assert len(read) == 4, entries
        assert {(entry["actor"], entry["remote_addr"]) for entry in read} == {
            ("admin", "127.0.0.1")
        }
        assert all(entry["cid"] for entry in read + [update])

        # A staff member's sign-on, and sign-out through the provider.
        sign_on(browser, server, {"sub": server.staff, "email": "staff@example.com"})
        arrive(browser, "/admin/", "Site administration")
        sign_out(browser)
        wait_for(browser, lambda: server.ask("ended_sessions"))
        arrive(browser, "/admin/login/", "Sign in with your City of Helsinki account")

        # Someone without rights signs on, and is told so.
        sign_on(browser, server, None)
        arrive(browser, "/admin/login/", "not authorized to access this page")

        assert console_errors(browser) == []
    finally:
        server.stop()
