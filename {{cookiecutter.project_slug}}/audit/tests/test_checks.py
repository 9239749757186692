import pytest
from auditlog.registry import auditlog
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from users.models import User


@pytest.fixture
def untracked_user_model():
    auditlog.unregister(User)
    yield User
    auditlog.register_from_settings()


def test_every_project_model_is_tracked():
    assert auditlog.contains(User)
    call_command("check", fail_level="WARNING")


def test_untracked_project_model_fails_the_check(untracked_user_model):
    with pytest.raises(SystemCheckError, match=r"audit\.E001.*users\.User is neither"):
        call_command("check")


def test_excluded_model_passes_the_check(untracked_user_model, settings):
    settings.AUDITLOG_EXCLUDE_TRACKING_MODELS = (
        *settings.AUDITLOG_EXCLUDE_TRACKING_MODELS,
        "users.User",
    )

    call_command("check", fail_level="WARNING")
