"""A failed mutation rolls back everything it wrote.

graphene-django runs each mutation document in a transaction when
ATOMIC_MUTATIONS is on, but rolls it back only if something flags the
request; an exception in a resolver alone does not. This Graphene middleware
raises the flag whenever a mutation root field fails.
"""

from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphql import OperationType


class MutationRollbackMiddleware:
    def resolve(self, next, root, info, **kwargs):
        if (
            info.path.prev is not None
            or info.operation.operation != OperationType.MUTATION
        ):
            return next(root, info, **kwargs)
        try:
            return next(root, info, **kwargs)
        except Exception:
            setattr(info.context, MUTATION_ERRORS_FLAG, True)
            raise
