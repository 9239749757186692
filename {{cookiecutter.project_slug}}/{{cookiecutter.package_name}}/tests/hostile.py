"""Hostile requests to /graphql: one for each way of making it stall or break.

Each is as large as the default limits let it be (GRAPHQL_MAX_DOCUMENT_LENGTH
characters, GRAPHQL_MAX_TOKENS tokens), with the answer the view must give.
test_hostile.py sends them through the real view; the template's
scripts/hostile_figures.py sends them to the real server and prints what each
costs it. Django is not needed to build them.
"""

import json
from dataclasses import dataclass

MAX_LENGTH = 20_000  # GRAPHQL_MAX_DOCUMENT_LENGTH's default
MAX_TOKENS = 1_500  # GRAPHQL_MAX_TOKENS's default
MAX_ALIASES = 200  # GRAPHQL_MAX_ALIASES's default
MAX_BODY = 256 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE
FRAGMENT_NESTING = 50  # documents.FRAGMENT_NESTING_LIMIT

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_REQUEST = "BAD_REQUEST"
BAD_USER_INPUT = "BAD_USER_INPUT"


@dataclass(frozen=True)
class Hostile:
    """A request body, and the status and first error code it must get.

    `code` None means served: HTTP 200 with `data` and no errors.
    `signed_in` requests carry a valid token.
    """

    name: str
    body: bytes
    status: int
    code: str | None
    signed_in: bool = False


def fill(unit, tokens_each, head="{", tail="}", tokens=MAX_TOKENS - 20):
    """`head`, `unit` as many times as the token and length limits allow, `tail`."""
    room = MAX_LENGTH - len(head) - len(tail)
    return head + unit * min(tokens // tokens_each, room // len(unit)) + tail


def braced(selections):
    """A selection set. (Built, not written, so that no f-string doubles a brace.)"""
    return "{ " + selections + " }"


def fragment(name, type_name, selections):
    return f"fragment {name} on {type_name} " + braced(selections)


def fan_out(spreads, levels=FRAGMENT_NESTING - 1, leaf="serviceInfo { name }"):
    """Fragments each spreading the next `spreads` times: spreads**levels on paper.

    As many levels as the nesting limit allows, fewer if the token or length
    limit runs out first.
    """
    size = len("fragment F99 on Query {} ") + spreads * len(" ...F99")
    tokens = 6 + 2 * spreads
    levels = min(levels, (MAX_TOKENS - 20) // tokens, MAX_LENGTH // size - 1)
    parts = ["query { ...F0 }"]
    for level in range(levels):
        spread = f"...F{level + 1} "
        parts.append(fragment(f"F{level}", "Query", spread * spreads))
    parts.append(fragment(f"F{levels}", "Query", leaf))
    return "\n".join(parts)


def chain(length):
    """Fragments that each spread the next one, `length` of them."""
    parts = ["query { ...F0 }"]
    parts += [fragment(f"F{n}", "Query", f"...F{n + 1}") for n in range(length)]
    parts.append(fragment(f"F{length}", "Query", "serviceInfo { name }"))
    return "\n".join(parts)


def many_fragments():
    """Hundreds of fragments spread into one selection set."""
    count = min((MAX_TOKENS - 20) // 9, MAX_LENGTH // 45)
    spreads = " ".join(f"...N{n}" for n in range(count))
    fragments = "\n".join(
        fragment(f"N{n}", "ServiceInfo", "name") for n in range(count)
    )
    return braced("serviceInfo " + braced(spreads)) + "\n" + fragments


def many_operations():
    """As many operations as the token limit allows, all spreading one chain."""
    length = FRAGMENT_NESTING - 1
    count = (MAX_TOKENS - 20 - 8 * length) // 6
    operations = " ".join(f"query Q{n} " + braced("...F0") for n in range(count))
    return operations + "\n" + chain(length).split("\n", 1)[1]


def query(document, **payload):
    return json.dumps({"query": document, **payload}).encode()


def nested(opening, closing, depth):
    return opening * depth + closing * depth


def hostile_requests():
    """The corpus: one request for each class, as large as the limits allow."""
    served = None
    return [
        # Validation that grew exponentially or quadratically with the document.
        Hostile("fragment fan-out, 2 spreads a level", query(fan_out(2)), 200, served),
        Hostile(
            "fragment fan-out, 12 spreads a level", query(fan_out(12)), 200, served
        ),
        Hostile(
            "fragment fan-out multiplying aliases",
            query(fan_out(2, leaf="a: serviceInfo { name }")),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "duplicated fields without aliases",
            query(fill("me { id } ", 4)),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "duplicated leaves without aliases",
            query(fill(" name", 1, "{ serviceInfo {", "} }")),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "duplicated fields with aliases",
            query(fill("a: serviceInfo { name } ", 7)),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "many fragments on one field",
            query(many_fragments()),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "many operations, one fragment chain",
            query(many_operations(), operationName="Q0"),
            200,
            served,
        ),
        Hostile(
            "many directives on one field",
            query(fill(" @include(if: true)", 7, "{ serviceInfo { name", "} }")),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "many variables",
            query(fill(" $v: Int", 4, "query (", ") { serviceInfo { name } }")),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "many unknown fields",
            query(fill(" x", 1, "{ serviceInfo {", "} }")),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "too many tokens",
            query(fill("a ", 1, tokens=MAX_TOKENS * 2)),
            400,
            PARSE_FAILED,
        ),
        # Documents that graphene's depth validator answered with a 500.
        Hostile(
            "fragments spreading each other",
            query("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "fragment spreading itself",
            query("{ ...A } fragment A on Query { ...A }"),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "long fragment chain",
            query(chain((MAX_TOKENS - 20) // 8)),
            400,
            VALIDATION_FAILED,
        ),
        Hostile("unknown fragment", query("{ ...Missing }"), 400, VALIDATION_FAILED),
        # Deep nesting: past the parser's limit, and past the depth limit.
        Hostile(
            "nested selections",
            query("{" + nested("me {", "}", 1000) + "}"),
            400,
            PARSE_FAILED,
        ),
        Hostile(
            "nested list value",
            query("{ me(a: " + nested("[", "]", 1000) + ") { id } }"),
            400,
            PARSE_FAILED,
        ),
        Hostile(
            "deeper than the limit",
            query(
                "{" + nested(" node(id: 1) { ... on UserNode { id", " } }", 12) + "}"
            ),
            400,
            VALIDATION_FAILED,
        ),
        # Bodies and parameters of the wrong shape.
        Hostile(
            "query is a number", json.dumps({"query": 5}).encode(), 400, BAD_REQUEST
        ),
        Hostile(
            "query is a list",
            json.dumps({"query": ["{ me { id } }"]}).encode(),
            400,
            BAD_REQUEST,
        ),
        Hostile(
            "variables are a list",
            query("{ serviceInfo { name } }", variables=[1]),
            400,
            BAD_REQUEST,
        ),
        Hostile(
            "variables nested 100,000 deep",
            b'{"query": "{ serviceInfo { name } }", "variables": {"a": '
            + nested(b"[", b"]", 100_000)
            + b"}}",
            400,
            BAD_REQUEST,
        ),
        Hostile(
            "large variable, unused",
            query(
                "query ($l: String) { serviceInfo @skip(if: false) { name } }",
                variables={"l": "x" * (MAX_BODY - 200)},
            ),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "large variable of the wrong type",
            query(
                "query ($b: Boolean!) { serviceInfo @include(if: $b) { name } }",
                variables={"b": "x" * (MAX_BODY - 200)},
            ),
            400,
            BAD_USER_INPUT,
        ),
        Hostile(
            "body is a list",
            b'[{"query": "{ serviceInfo { name } }"}]',
            400,
            BAD_REQUEST,
        ),
        Hostile("body is not UTF-8", b'{"query": "\xff"}', 400, BAD_REQUEST),
        # An id that is not one, and introspection's entry points.
        Hostile(
            "node with an id that is not one",
            query('{ node(id: "garbage") { id } }'),
            200,
            "VALIDATION_ERROR",
            signed_in=True,
        ),
        Hostile(
            "__typename everywhere",
            query("{ __typename serviceInfo { __typename name } }"),
            200,
            served,
        ),
        Hostile(
            "__schema",
            query("{ __schema { types { name } } }"),
            400,
            VALIDATION_FAILED,
        ),
        Hostile(
            "__type",
            query('{ __type(name: "Query") { name } }'),
            400,
            VALIDATION_FAILED,
        ),
    ]
