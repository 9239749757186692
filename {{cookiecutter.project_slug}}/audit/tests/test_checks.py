import graphene
import pytest
from auditlog.registry import auditlog
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from graphene_django import DjangoConnectionField, DjangoObjectType

from audit.access import AccessLoggedConnectionField, logs_access, not_personal_data
from audit.tests.urls import AnyUserNode  # an AccessLogged node type
from authentication.graphql import Node
from users.models import User

from {{ cookiecutter.package_name }}.schema import Mutation, Query


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


class PlainUserNode(DjangoObjectType):
    """A node type without the AccessLogged mixin."""

    class Meta:
        model = User
        fields = ("uuid",)
        interfaces = (Node,)
        skip_registry = True


def all_users(root, info):
    return User.objects.all()


class UnrecordedList(Query):
    user_list = graphene.List(AnyUserNode, resolver=all_users)


class RecordedList(Query):
    user_list = graphene.List(AnyUserNode)

    @staticmethod
    @logs_access
    def resolve_user_list(root, info):
        return User.objects.all()


class NotPersonalList(Query):
    user_list = not_personal_data(graphene.List(AnyUserNode, resolver=all_users))


class UnrecordedConnection(Query):
    user_list = DjangoConnectionField(AnyUserNode)


class RecordedConnection(Query):
    user_list = AccessLoggedConnectionField(AnyUserNode)


class UnrecordedNode(Query):
    user_node = Node.Field(PlainUserNode)


class RecordedNode(Query):
    user_node = Node.Field(AnyUserNode)


def use_schema(settings, query):
    settings.GRAPHENE = {
        **settings.GRAPHENE,
        "SCHEMA": f"{__name__}.{query.__name__}_schema",
    }


# graphene_django imports the schema by its dotted path: one module name each.
for query in (
    UnrecordedList,
    RecordedList,
    NotPersonalList,
    UnrecordedConnection,
    RecordedConnection,
    UnrecordedNode,
    RecordedNode,
):
    globals()[f"{query.__name__}_schema"] = graphene.Schema(
        query=query, mutation=Mutation
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (UnrecordedList, "UnrecordedList.userList"),
        (UnrecordedConnection, "UnrecordedConnection.userList"),
        (UnrecordedNode, "UnrecordedNode.userNode"),
    ],
)
def test_a_read_of_model_objects_without_access_logging_fails_the_check(
    settings, query, field
):
    use_schema(settings, query)
    expected = rf"audit\.E002.*{field} returns users\.User objects but records no"
    with pytest.raises(SystemCheckError, match=expected) as failure:
        call_command("check")
    assert "@logs_access" in str(failure.value)
    assert "not_personal_data" in str(failure.value)


@pytest.mark.parametrize(
    "query", [RecordedList, NotPersonalList, RecordedConnection, RecordedNode]
)
def test_recorded_or_marked_reads_pass_the_check(settings, query):
    use_schema(settings, query)
    call_command("check", fail_level="WARNING")
