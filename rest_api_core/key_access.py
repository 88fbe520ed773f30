"""What an API key may do on a model: what its scope allows and its user's access rights allow, both.

The documents a key is shown (its OpenAPI document, MCP's tools and resources) list only what
would work, and each asks here. A request itself is checked elsewhere, on the records it names
(``rest_api_auth.authentication`` for the scope, the ORM for the access rights and record rules).
"""

from odoo.addons.rest_api_auth.scope import OPERATIONS

# execute_kw runs public methods, which check access themselves: shown on the models the user may
# at least read
ACL_OPERATION = {"read": "read", "create": "create", "write": "write", "unlink": "unlink", "execute": "read"}


def may(env, scope, model, operation):
    """Whether ``scope`` allows ``operation`` on ``model`` and the access rights of ``env``'s user do too
    (the model's access control list; the record rules apply to the records a request names)."""
    return model in env.registry and scope.allows(model, operation) and env[model].has_access(ACL_OPERATION[operation])


def allowed_operations(env, scope, model, operations=OPERATIONS):
    """The ones of ``operations`` the key may do on ``model`` (see :func:`may`)."""
    return frozenset(operation for operation in operations if may(env, scope, model, operation))
