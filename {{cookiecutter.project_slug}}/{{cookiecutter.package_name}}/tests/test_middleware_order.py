import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from {{ cookiecutter.package_name }}.middleware_order import RULES, short, violations


def test_configured_middleware_keeps_every_rule():
    assert violations(settings.MIDDLEWARE) == []
    call_command("check", fail_level="WARNING")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_check_fails_when_a_rule_is_broken(rule, settings):
    settings.MIDDLEWARE = [rule.then, rule.first]

    with pytest.raises(SystemCheckError) as caught:
        call_command("check")

    message = str(caught.value)
    assert f"{{ cookiecutter.package_name }}.{rule.code}" in message
    assert short(rule.first) in message
    assert short(rule.then) in message


@pytest.mark.parametrize(
    "rule", [rule for rule in RULES if rule.required], ids=lambda rule: rule.code
)
def test_check_fails_when_required_middleware_is_missing(rule, settings):
    settings.MIDDLEWARE = [rule.then]

    with pytest.raises(SystemCheckError, match=f"{short(rule.first)}.* missing"):
        call_command("check")


def test_unrelated_middleware_is_not_judged():
    assert violations(["django.middleware.gzip.GZipMiddleware"]) == []
