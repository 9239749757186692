"""A failed mutation leaves nothing behind (ATOMIC_MUTATIONS)."""

import uuid

import pytest

from users.models import User

pytestmark = [
    pytest.mark.urls("{{ cookiecutter.package_name }}.tests.urls"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("writeThenCrash", "INTERNAL_SERVER_ERROR"),
        ("writeThenRefuse", "VALIDATION_ERROR"),
    ],
)
def test_failed_mutation_rolls_back_its_writes(graphql, issuer, field, code):
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))

    response = graphql(
        'mutation { FIELD(language: "sv") }'.replace("FIELD", field),
        token=issuer.token(sub=subject),
        path="/graphql-broken",
    )

    assert response.status_code == 200
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]
    assert User.objects.get(uuid=subject).preferred_language == "fi"


def test_successful_mutation_is_committed(graphql, issuer):
    subject = str(uuid.uuid4())

    graphql(
        'mutation { updateMe(input: {preferredLanguage: "en"}) { user { uuid } } }',
        token=issuer.token(sub=subject),
    )

    assert User.objects.get(uuid=subject).preferred_language == "en"
