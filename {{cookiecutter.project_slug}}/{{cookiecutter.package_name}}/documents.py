"""GraphQL documents, parsed and validated at a cost bounded by their size.

Anyone may send /graphql a document. Each step below takes time linear in
the document, and runs only once the cheaper steps before it have passed:

1. the parser, which stops at GRAPHQL_MAX_TOKENS tokens (parsing and
   validating cost about the same per token, whatever the document says);
2. `shape_errors`: every fragment spread names a fragment that exists,
   fragments are named once, never spread themselves and are not nested
   more than FRAGMENT_NESTING_LIMIT deep, depth, aliases and a mutation's
   root fields are within their limits (each fragment is measured once,
   however often it is spread), and the schema is not introspected unless
   that is enabled;
3. graphql-core's own rules, with the budget of the field-merging rule cut
   down: its work grows with the square of the fields that share a name, and
   the library's default budget lets one document take over a second.

graphene's `depth_limit_validator` is not used: it measures a fragment again
for every spread of it, so a kilobyte of fragments that each spread the next
one twice takes hours, and it fails with an exception (a 500) on a fragment
cycle or an unknown fragment. Nor is graphene's `DisableIntrospection`: it
refuses `__typename` too, which Apollo Client adds to every selection.
"""

from functools import lru_cache

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from graphql.validation.rules import overlapping_fields_can_be_merged

from authentication.errors import PARSE_FAILED, VALIDATION_FAILED, with_code

# graphql-core reads this when it starts validating a document; its work
# grows with the square of the fields and fragments that share a selection.
# 10 000 units cost 10-15 ms here. A document with 40 fragments spread into
# one selection set needs 6 300 of them, one with 60 needs 14 000 and is
# refused as too complex.
overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = 10_000

# Introspection's entry points; `__typename` is not one of them.
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
MAX_ERRORS = 20
# How many fragments may be spread inside one another. graphql-core's rules
# recurse through fragments and give up ("Validation aborted.") somewhat
# deeper than this; refusing here first gives the client a clearer message.
FRAGMENT_NESTING_LIMIT = 50
# Valid documents, parsed and validated, for clients that send the same ones
# again. Only short ones are kept, so that the cache stays at a few MB.
CACHED_DOCUMENT_LENGTH = 4_000


class Refused(Exception):
    """A document that fails a check; raised so that it is never cached."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def prepare(schema, query):
    """The valid document for `query`, or the errors that refuse it, each coded."""
    arguments = (
        schema,
        query,
        settings.GRAPHQL_MAX_TOKENS,
        settings.GRAPHQL_QUERY_DEPTH_LIMIT,
        settings.GRAPHQL_MAX_ALIASES,
        settings.GRAPHQL_MAX_MUTATION_FIELDS,
        settings.ENABLE_GRAPHQL_INTROSPECTION,
    )
    build = valid_document
    if len(query) > CACHED_DOCUMENT_LENGTH:
        build = valid_document.__wrapped__
    try:
        return build(*arguments), []
    except Refused as refused:
        return None, refused.errors


@lru_cache(maxsize=128)
def valid_document(schema, query, tokens, depth, aliases, mutations, introspection):
    try:
        document = parse(query, max_lexical_tokens=tokens)
    except GraphQLError as error:
        raise Refused([with_code(error, PARSE_FAILED)]) from None
    errors = shape_errors(
        document,
        depth_limit=depth,
        alias_limit=aliases,
        mutation_limit=mutations,
        introspection=introspection,
    ) or validate(
        schema,
        document,
        specified_rules,
        max_errors=MAX_ERRORS,
        hide_suggestions=not introspection,
    )
    if errors:
        raise Refused([with_code(clear(error), VALIDATION_FAILED) for error in errors])
    return document


def clear(error):
    """graphql-core's error for a document too costly to validate, made clearer."""
    if error.message != "Validation aborted.":
        return error
    return GraphQLError("The document is too complex to validate.")


class Definition:
    """What one operation or fragment holds, before its fragments are added.

    `depth` counts the fields with a selection set nested in one another, as
    graphene counted it: leaves and introspection do not count. `aliases`
    counts the aliased fields; `spreads` the fragments it spreads, each with
    the depth where it does so and whether that depth counts. `top_fields`
    counts the fields at its top level, inline fragments included, and
    `top_spreads` names the fragments spread there.
    """

    def __init__(self, node, errors, introspection):
        self.node = node
        self.depth = 0
        self.aliases = 0
        self.spreads = []
        self.top_fields = 0
        self.top_spreads = []
        pending = [(node.selection_set, 0, True, True)]
        while pending:
            selection_set, depth, counted, top = pending.pop()
            for selection in selection_set.selections:
                if isinstance(selection, FragmentSpreadNode):
                    self.spreads.append((selection.name.value, depth, counted))
                    if top:
                        self.top_spreads.append(selection.name.value)
                    continue
                inner_depth, inner_counted = depth, counted
                if isinstance(selection, FieldNode):
                    name = selection.name.value
                    self.top_fields += top
                    self.aliases += selection.alias is not None
                    if name in INTROSPECTION_FIELDS and not introspection:
                        errors.append(
                            GraphQLError(
                                f"Cannot query '{name}': introspection is disabled.",
                                selection,
                            )
                        )
                    inner_counted = counted and not name.startswith("__")
                    if selection.selection_set is not None:
                        inner_depth = depth + inner_counted
                        self.depth = max(self.depth, inner_depth)
                if selection.selection_set is not None:
                    inner_top = top and not isinstance(selection, FieldNode)
                    pending.append(
                        (selection.selection_set, inner_depth, inner_counted, inner_top)
                    )


def shape_errors(document, *, depth_limit, alias_limit, mutation_limit, introspection):
    """Errors of fragments, depth, aliases, mutation fields and introspection,
    in linear time."""
    errors = []
    fragments = {}
    operations = []
    for node in document.definitions:
        definition = Definition(node, errors, introspection)
        if isinstance(node, OperationDefinitionNode):
            operations.append(definition)
        elif node.name.value in fragments:
            errors.append(
                GraphQLError(
                    f"There can be only one fragment named {quoted(node.name.value)}.",
                    node.name,
                )
            )
        else:
            fragments[node.name.value] = definition
    totals = fragment_totals(fragments, errors, alias_limit)
    nesting = max((total[2] for total in totals.values()), default=0)
    if nesting > FRAGMENT_NESTING_LIMIT:
        errors.append(
            GraphQLError(
                "Fragments are spread inside one another more than "
                f"{FRAGMENT_NESTING_LIMIT} deep."
            )
        )
    if errors:
        return errors[:MAX_ERRORS]
    for operation in operations:
        depth, aliases, _ = combined(operation, totals, alias_limit)
        if depth > depth_limit:
            errors.append(
                GraphQLError(
                    f"The operation is nested deeper than {depth_limit} fields.",
                    operation.node,
                )
            )
        if aliases > alias_limit:
            errors.append(
                GraphQLError(
                    f"The document has more than {alias_limit} aliases "
                    "(a fragment's count each time it is spread).",
                    operation.node,
                )
            )
        is_mutation = operation.node.operation == OperationType.MUTATION
        if is_mutation and top_fields(operation, fragments, {}, mutation_limit) > (
            mutation_limit
        ):
            errors.append(
                GraphQLError(
                    f"The mutation has more than {mutation_limit} root fields "
                    "(a fragment's count each time it is spread).",
                    operation.node,
                )
            )
    return errors


def top_fields(definition, fragments, counts, limit):
    """The fields at a definition's top level, with those of the fragments
    spread there, counted up to just above `limit`. `counts` keeps each
    fragment's, so that each is counted once."""
    total = definition.top_fields
    for name in definition.top_spreads:
        if name not in counts:
            counts[name] = top_fields(fragments[name], fragments, counts, limit)
        total = min(total + counts[name], limit + 1)
    return total


def fragment_totals(fragments, errors, alias_limit):
    """(depth, aliases, nesting) of each fragment with all it spreads.

    Each fragment is measured once, however often it is spread. Nesting counts
    the fragment and those spread inside it, one inside another.

    Reports spreads of unknown fragments and fragments that spread themselves,
    directly or through others. Iterative, so a long chain of fragments cannot
    reach Python's recursion limit.
    """
    totals = {}
    for start in fragments:
        if start in totals:
            continue
        entered = {start}
        path = [(start, iter(fragments[start].spreads))]
        while path:
            name, spreads = path[-1]
            for target, _, _ in spreads:
                if target not in fragments:
                    errors.append(GraphQLError(f"Unknown fragment {quoted(target)}."))
                elif target in entered:
                    errors.append(
                        GraphQLError(
                            f"Fragment {quoted(target)} spreads itself, "
                            "directly or through other fragments.",
                            fragments[target].node.name,
                        )
                    )
                elif target not in totals:
                    entered.add(target)
                    path.append((target, iter(fragments[target].spreads)))
                    break
                if len(errors) >= MAX_ERRORS:
                    return totals
            else:
                path.pop()
                entered.discard(name)
                depth, aliases, nesting = combined(fragments[name], totals, alias_limit)
                totals[name] = depth, aliases, nesting + 1
    return totals


def combined(definition, totals, alias_limit):
    """A definition's depth, aliases and fragment nesting with its spreads'.

    An unknown or cyclic fragment counts as empty: it has been reported.
    The alias count stops just above the limit, so that fragments spread
    twice at each of many levels cannot make a huge number of it.
    """
    depth, aliases, nesting = definition.depth, definition.aliases, 0
    for target, at_depth, counted in definition.spreads:
        inner_depth, inner_aliases, inner_nesting = totals.get(target, (0, 0, 0))
        if counted:
            depth = max(depth, at_depth + inner_depth)
        aliases = min(aliases + inner_aliases, alias_limit + 1)
        nesting = max(nesting, inner_nesting)
    return depth, aliases, nesting


def quoted(name):
    """A name from the document, cut short for a message."""
    return repr(name if len(name) <= 60 else name[:60] + "...")
