import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from helusers.utils import uuid_to_username

from users.models import User


def test_user_model_is_the_services_own():
    assert get_user_model() is User


def test_user_model_is_in_the_admin():
    assert admin.site.is_registered(User)


@pytest.mark.django_db
def test_new_user_gets_a_uuid_and_a_username_from_it():
    user = User.objects.create()

    assert user.uuid
    assert user.username == uuid_to_username(user.uuid)
