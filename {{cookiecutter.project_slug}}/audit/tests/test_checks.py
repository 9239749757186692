import graphene
import pytest
from auditlog.registry import auditlog
from django.apps import apps
from django.core.management.base import SystemCheckError
from graphene_django import DjangoConnectionField, DjangoObjectType

from audit.access import NotPersonalData
from audit.tests.urls import AnyUserNode  # an AccessLogged node type
from authentication.graphql import Node
from conftest import run_system_checks
from users.models import User

from {{ cookiecutter.package_name }}.schema import Mutation, Query


@pytest.fixture
def untracked_user_model():
    auditlog.unregister(User)
    yield User
    auditlog.register_from_settings()


def test_every_project_model_is_tracked():
    assert auditlog.contains(User)
    run_system_checks(fail_level="WARNING")


def test_untracked_project_model_fails_the_check(untracked_user_model):
    with pytest.raises(SystemCheckError, match=r"audit\.E001.*users\.User is neither"):
        run_system_checks()


def test_a_tracked_model_without_exact_updates_fails_the_check(settings, monkeypatch):
    # Django's auth app, as if it were the service's own: Group is tracked,
    # and has no ExactUpdateEntries.
    auth = apps.get_app_config("auth")
    monkeypatch.setattr(auth, "path", str(settings.BASE_DIR / "auth"))

    with pytest.raises(SystemCheckError, match=r"audit\.E003.*auth\.Group is"):
        run_system_checks()


def test_excluded_model_passes_the_check(untracked_user_model, settings):
    settings.AUDITLOG_EXCLUDE_TRACKING_MODELS = (
        *settings.AUDITLOG_EXCLUDE_TRACKING_MODELS,
        "users.User",
    )

    run_system_checks(fail_level="WARNING")


class PlainUserNode(DjangoObjectType):
    """A type of users with neither mark."""

    class Meta:
        model = User
        fields = ("uuid",)
        interfaces = (Node,)
        skip_registry = True


class NotPersonalUserNode(NotPersonalData, DjangoObjectType):
    """Users marked as identifying no one (say, a count's worth of them)."""

    class Meta:
        model = User
        fields = ("uuid",)
        skip_registry = True


class Friendship(graphene.ObjectType):
    """A plain type with a field that returns a user."""

    friend = graphene.Field(PlainUserNode)


class UnmarkedList(Query):
    user_list = graphene.List(PlainUserNode)


class UnmarkedConnection(Query):
    user_list = DjangoConnectionField(PlainUserNode)


class UnmarkedNode(Query):
    user_node = Node.Field(PlainUserNode)


class UnmarkedNested(Query):
    friendship = graphene.Field(Friendship)


class UnmarkedPayload(graphene.Mutation):
    user = graphene.Field(PlainUserNode)

    def mutate(root, info):
        return UnmarkedPayload(user=info.context.user)


class UnmarkedMutation(Mutation):
    befriend = UnmarkedPayload.Field()


class MarkedList(Query):
    user_list = graphene.List(AnyUserNode)


class NotPersonalList(Query):
    user_list = graphene.List(NotPersonalUserNode)


class MarkedConnection(Query):
    user_list = DjangoConnectionField(AnyUserNode)


def use_schema(settings, name):
    settings.GRAPHENE = {**settings.GRAPHENE, "SCHEMA": f"{__name__}.{name}"}


# graphene_django imports the schema by its dotted path: one module name each.
SCHEMAS = {
    "UnmarkedList": (UnmarkedList, Mutation),
    "UnmarkedConnection": (UnmarkedConnection, Mutation),
    "UnmarkedNode": (UnmarkedNode, Mutation),
    "UnmarkedNested": (UnmarkedNested, Mutation),
    "UnmarkedMutation": (Query, UnmarkedMutation),
    "MarkedList": (MarkedList, Mutation),
    "NotPersonalList": (NotPersonalList, Mutation),
    "MarkedConnection": (MarkedConnection, Mutation),
}
for name, (query, mutation) in SCHEMAS.items():
    globals()[name] = graphene.Schema(query=query, mutation=mutation)


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("UnmarkedList", "UnmarkedList.userList"),
        ("UnmarkedConnection", "PlainUserNodeEdge.node"),
        ("UnmarkedNode", "UnmarkedNode.userNode"),
        ("UnmarkedNested", "Friendship.friend"),
        ("UnmarkedMutation", "UnmarkedPayload.user"),
    ],
)
def test_a_field_returning_unmarked_model_objects_fails_the_check(
    settings, name, field
):
    use_schema(settings, name)
    expected = rf"audit\.E002.*{field} returns objects of PlainUserNode \(users\.User\)"
    with pytest.raises(SystemCheckError, match=expected) as failure:
        run_system_checks()
    assert "AccessLogged" in str(failure.value)
    assert "NotPersonalData" in str(failure.value)


@pytest.mark.parametrize("name", ["MarkedList", "NotPersonalList", "MarkedConnection"])
def test_marked_types_pass_the_check(settings, name):
    use_schema(settings, name)
    run_system_checks(fail_level="WARNING")
