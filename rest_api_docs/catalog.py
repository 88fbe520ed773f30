"""What the documentation shows a key: the models it may use, as its user sees them.

ORM glue for :mod:`.openapi`: one :class:`~.openapi.ModelDoc` per model,
built from the effective user's ``fields_get()`` and access rights, narrowed
by the key's scope. Documents only what would work: an operation appears
when both the key's scope and the user's access rights allow it.
"""

import re

from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound, PermissionDenied

from .openapi import OPERATIONS, ModelDoc

# the fields_get() attributes the schemas use; asking for these only is ~2x faster than all
FIELD_ATTRIBUTES = (
    "type",
    "string",
    "help",
    "required",
    "readonly",
    "selection",
    "relation",
    "size",
    "model_field",
    "currency_field",
)
# execute_kw runs arbitrary public methods, which check access themselves: document it
# for models the user can at least read
ACL_MODE = {"read": "read", "create": "create", "write": "write", "unlink": "unlink", "execute": "read"}
MODEL_NAME = re.compile(r"^[\w.]+$")


def parse_models_param(value):
    """``?models=res.partner,sale.order`` as a list of names; ``None`` when absent."""
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    bad = [name for name in names if not MODEL_NAME.match(name)]
    if bad or not names:
        raise BadRequest(
            "'models' must be a comma-separated list of model names, e.g. 'res.partner,sale.order'.",
            invalid_params=[{"name": "models", "reason": "not a list of model names"}],
        )
    return list(dict.fromkeys(names))


def _documentable(model):
    return not model._abstract and not model._transient


def candidate_models(env, scope):
    """Every model the key could use, before access rights: its scope's models, or all for ``all``."""
    allowed = scope.allowed_models()
    if allowed is None:
        return sorted(name for name, model in env.registry.items() if _documentable(model))
    return [name for name in allowed if name in env.registry]


def model_doc(env, name, scope):
    """The :class:`ModelDoc` of model ``name`` for the effective user, or None if it may do nothing there."""
    access = env["ir.model.access"]
    operations = frozenset(
        operation
        for operation in OPERATIONS
        if scope.allows(name, operation) and access.check(name, ACL_MODE[operation], raise_exception=False)
    )
    if not operations:
        return None
    model = env[name]
    model_access = scope.access.get(name)
    methods = tuple(sorted(model_access.methods)) if scope.mode != "all" and model_access else ()
    return ModelDoc(
        model=name,
        description=model._description or name,
        fields=model.fields_get(attributes=FIELD_ATTRIBUTES),
        operations=operations,
        methods=methods,
        defaulted=_defaulted_fields(env, model),
    )


def _defaulted_fields(env, model):
    """Fields that get a value when a create omits them: defaults, computes, related, ``ir.default``."""
    names = {
        name for name, field in model._fields.items() if field.default is not None or field.compute or field.related
    }
    return frozenset(names | set(env["ir.default"]._get_model_defaults(model._name)))


def model_docs(env, scope, names=None):
    """The :class:`ModelDoc` of each model to document.

    ``names`` (from ``?models=``) documents just those: an unknown model is
    404, one the key or the user may not use is 403. Otherwise every model
    the key may use, sorted by name.
    """
    if names is None:
        return [doc for doc in (model_doc(env, name, scope) for name in candidate_models(env, scope)) if doc]
    docs = []
    for name in names:
        if name not in env.registry or env.registry[name]._abstract:
            raise NotFound(f"Unknown model '{name}'.")
        doc = model_doc(env, name, scope)
        if doc is None:
            raise PermissionDenied(f"This API key may not use model '{name}'.")
        docs.append(doc)
    return docs
