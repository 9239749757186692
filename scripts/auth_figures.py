"""Key rotation and CSRF figures from a generated service's real production server.

Run with the service's own Python, from anywhere:

    <service>/.venv/bin/python scripts/auth_figures.py --service <service> \
        --database-url postgres://user@127.0.0.1:5432/figures

It starts the service's loopback OIDC issuer (from its conftest.py) and the
production command (gunicorn with its default workers and threads) with the
production defaults of the token settings, then prints:

- how many times the issuer's key set is fetched for a burst of 40 tokens
  with made-up key ids (each worker process holds its own keys);
- the time from a key rotation to the first accepted token signed with the
  new key, when the keys were last fetched long ago and right after a fetch
  (the worst case: one TOKEN_AUTH_KEYS_REFETCH_COOLDOWN);
- the status of each request a signed-in admin's browser could be made to
  send from another site, and of the one it sends itself;
- the server's CPU time per failed password sign-in (unknown user names,
  one address) before the lockout, and per attempt refused by it.

These are figures to read, not checks: the service's own tests check the
behaviour.
"""

import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import production_server
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

COOLDOWN = 10.0  # TOKEN_AUTH_KEYS_REFETCH_COOLDOWN's default
DOCUMENT = "{ me { uuid } }"
MUTATION = (
    'mutation { updateMe(input: {preferredLanguage: "sv"}) { clientMutationId } }'
)


def accepted(url, token):
    body = requests.post(
        f"{url}/graphql",
        json={"query": DOCUMENT},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    return "errors" not in body


def until_accepted(url, token):
    """Seconds until a token is accepted, asking every 20 ms (at most 30 s)."""
    started = time.monotonic()
    while not accepted(url, token):
        if time.monotonic() - started > 30:
            return None
        time.sleep(0.02)
    return time.monotonic() - started


def burst(url, issuer):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kids = [str(uuid.uuid4()) for _ in range(40)]
    tokens = [issuer.token(key=stranger, headers={"kid": kid}) for kid in kids]
    before = issuer.key_set_requests
    with ThreadPoolExecutor(40) as pool:
        refused = sum(not ok for ok in pool.map(lambda t: accepted(url, t), tokens))
    return issuer.key_set_requests - before, refused


def browser_statuses(url):
    """What a signed-in admin's browser gets for each kind of POST to /graphql.

    The cookies are Secure (DEBUG is off) and this is plain HTTP, so they are
    carried by hand, as the browser would over HTTPS.
    """
    cookies = {}

    def send(method, path, **request):
        response = requests.request(
            method, f"{url}{path}", cookies=cookies, timeout=30, **request
        )
        cookies.update(response.cookies.get_dict())
        return response

    send("GET", "/admin/login/")
    send(
        "POST",
        "/admin/login/",
        data={
            "username": "figures-admin",
            "password": "figures-password-1",
            "csrfmiddlewaretoken": cookies["csrftoken"],
            "next": "/admin/",
        },
        allow_redirects=False,
    )
    assert "sessionid" in cookies, "the admin did not sign in"
    token = cookies["csrftoken"]
    cases = {
        "form, urlencoded": {"data": {"query": MUTATION}},
        "form, multipart": {"files": {"query": (None, MUTATION)}},
        "form, text/plain": {
            "data": '{"query": "mutation { deleteMe(input: {}) { ok } }"}',
            "headers": {"Content-Type": "text/plain"},
        },
        "JSON without the CSRF token": {"json": {"query": MUTATION}},
        "JSON with the token, from another origin": {
            "json": {"query": MUTATION},
            "headers": {"X-CSRFToken": token, "Origin": "https://evil.example"},
        },
        "JSON with the CSRF token (the admin's own page)": {
            "json": {"query": MUTATION},
            "headers": {"X-CSRFToken": token},
        },
    }
    return {
        name: send("POST", "/graphql", **request).status_code
        for name, request in cases.items()
    }


def sign_in_costs(url, master_pid, refused=20):
    """CPU seconds of the workers per failed password sign-in until the
    address is locked out, and per attempt after: (failed, refused, statuses)."""
    # Secure cookies over plain HTTP: carried by hand, as in browser_statuses.
    cookies = requests.get(f"{url}/admin/login/", timeout=30).cookies.get_dict()
    costs = {"failed": [], "refused": []}
    statuses = []
    for n in range(5 + refused):  # AXES_FAILURE_LIMIT's 5, then the refused
        before = production_server.children_cpu_seconds(master_pid)
        response = requests.post(
            f"{url}/admin/login/",
            data={
                "username": f"guess-{n}",
                "password": "wrong",
                "csrfmiddlewaretoken": cookies["csrftoken"],
            },
            cookies=cookies,
            timeout=30,
        )
        time.sleep(0.05)  # the request's accounting reaches /proc
        spent = production_server.children_cpu_seconds(master_pid) - before
        statuses.append(response.status_code)
        costs["failed" if n < 5 else "refused"].append(spent)
    return (
        sum(costs["failed"]) / len(costs["failed"]),
        sum(costs["refused"]) / len(costs["refused"]),
        statuses,
    )


def main():
    service, issuer, env = production_server.prepare(__doc__.splitlines()[0])
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--no-input"],
        cwd=service,
        env={
            **env,
            "DJANGO_SUPERUSER_USERNAME": "figures-admin",
            "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
            "DJANGO_SUPERUSER_PASSWORD": "figures-password-1",
        },
        check=True,
        capture_output=True,
    )
    server, url = production_server.start(service, env)
    try:
        workers = len(production_server.worker_memory_mb(server.pid, "VmRSS"))
        for _ in range(20):  # every worker fetches the keys
            assert accepted(url, issuer.token())
        time.sleep(COOLDOWN + 0.5)
        fetches, refused = burst(url, issuer)
        print(
            f"40 tokens with made-up key ids: {refused} refused, {fetches} key set "
            f"fetches ({workers} worker processes, each with its own keys)"
        )
        worst = until_accepted(url, issuer.token(key=issuer.rotate()))
        print(f"rotation right after a fetch: new key accepted after {worst:.2f} s")
        time.sleep(COOLDOWN + 0.5)
        best = until_accepted(url, issuer.token(key=issuer.rotate()))
        print(f"rotation long after a fetch: new key accepted after {best:.3f} s")
        for name, status in browser_statuses(url).items():
            print(f"signed-in browser, {name}: {status}")
        failed, refused, statuses = sign_in_costs(url, server.pid)
        print(
            f"failed password sign-in: {failed:.3f} CPU-s each before the lockout, "
            f"{refused:.4f} CPU-s each after it (statuses: {statuses})"
        )
    finally:
        production_server.stop(server)
        issuer.stop()


if __name__ == "__main__":
    main()
