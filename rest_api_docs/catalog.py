"""What the documentation shows a key: the models it may use, as its user sees them.

ORM glue for :mod:`.openapi`: one :class:`~.openapi.ModelDoc` per model,
built from the effective user's access rights and ``fields_get()``, narrowed
by the key's scope. Documents only what would work: an operation appears
when both the key's scope and the user's access rights allow it.

Never documented: credential models (``rest_api_auth.scope.model_denied``,
which every route refuses whatever the key's scope), wizards (transient
models) and abstract models.

A document details at most :data:`.openapi.MAX_DETAILED_MODELS` models (paths and
field schemas per model). A key that may use more (typically scope ``all``
on a database with many apps) gets a compact document instead: the generic
``/api/{model}`` paths, each operation listing the models it may be used on;
``?models=`` then details the ones wanted. This keeps the document small
enough for Swagger UI and Postman, and its generation fast (``fields_get()``
of hundreds of models costs seconds; see ``benchmarks/bench_openapi.py``).
"""

import dataclasses
import re

from odoo import fields as odoo_fields

from odoo.addons.rest_api_auth.exceptions import BadRequest, NotFound, PermissionDenied
from odoo.addons.rest_api_auth.scope import MODEL_NAME, model_denied
from odoo.addons.rest_api_core.change_feed import has_change_dates
from odoo.addons.rest_api_core.field_types import FIELD_ATTRIBUTES, X2MANY_TYPES
from odoo.addons.rest_api_core.files import ATTACHMENT_MODEL, image_sizes
from odoo.addons.rest_api_core.key_access import allowed_operations
from odoo.addons.rest_api_core.model_schemas import defaulted_fields
from odoo.addons.rest_api_core.reports import report_references

from . import openapi
from .openapi import OPERATIONS, FileDoc, ModelDoc

_MODEL_NAME = re.compile(f"^{MODEL_NAME}$")


def parse_models_param(value):
    """``?models=res.partner,sale.order`` as a list of names; ``None`` when absent."""
    if value is None:
        return None
    names = list(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    if not names or not all(_MODEL_NAME.match(name) for name in names):
        raise BadRequest(
            "'models' must be a comma-separated list of model names, e.g. 'res.partner,sale.order'.",
            invalid_params=[{"name": "models", "reason": "not a list of model names"}],
        )
    bound = openapi.MAX_DETAILED_MODELS
    if len(names) > bound:
        raise BadRequest(
            f"'models' may name at most {bound} models.",
            invalid_params=[{"name": "models", "reason": f"more than {bound} models"}],
        )
    return names


def _documentable(model):
    """Whether the documentation shows ``model`` (a registry class): not abstract, no wizard, no credentials."""
    return not (model._abstract or model._transient or model_denied(model._name))


def candidate_models(env, scope):
    """Every model the key could use, before access rights: its scope's models, or all for ``all``."""
    allowed = scope.allowed_models()
    names = sorted(env.registry) if allowed is None else allowed
    return [name for name in names if name in env.registry and _documentable(env.registry[name])]


def model_operations(env, name, scope):
    """The :class:`ModelDoc` of model ``name`` without its fields, or None if the key may do nothing there."""
    operations = allowed_operations(env, scope, name, OPERATIONS)
    if not operations:
        return None
    model_access = scope.access.get(name)
    return ModelDoc(
        model=name,
        description=env[name]._description or name,
        fields={},
        operations=operations,
        methods=tuple(sorted(model_access.methods)) if scope.mode != "all" and model_access else (),
        feed=has_change_dates(env[name]),
    )


def with_fields(env, doc, attachments=frozenset(), reports=()):
    """``doc`` with the fields of its model, as the effective user sees them, and its files:
    ``attachments`` (what the key and user may do on ``ir.attachment``), ``reports`` (the
    references of those the user may print)."""
    model = env[doc.model]
    fields = model.fields_get(attributes=FIELD_ATTRIBUTES)
    files = _file_doc(model, fields, attachments, reports)
    return dataclasses.replace(doc, fields=fields, defaulted=defaulted_fields(env, model), files=files)


def _file_doc(model, fields, attachments, reports):
    """The :class:`FileDoc` of ``model`` from the user's ``fields_get()``: the binary fields it
    shows them (downloads), those not read-only (uploads: stored, or computed with an inverse)."""
    downloads = tuple(name for name, field in fields.items() if field.get("type") == "binary" and name in model._fields)
    images = frozenset(name for name in downloads if isinstance(model._fields[name], odoo_fields.Image))
    return FileDoc(
        downloads=downloads,
        uploads=tuple(name for name in downloads if not fields[name].get("readonly")),
        images=images,
        sizes=tuple(image_sizes(model)) if images else (),
        reports=tuple(reports),
        attachments=attachments,
    )


def model_docs(env, scope, names=None):
    """``(docs, detailed)``: the :class:`ModelDoc` of each model to document, and whether with fields.

    ``names`` (from ``?models=``) documents just those, in detail: a credential
    model name is 403; an unknown, abstract or transient model is 404; one the
    key or the user may not use is 403. Otherwise every model the key may use, sorted
    by name: in detail up to :data:`.openapi.MAX_DETAILED_MODELS` of them, else
    without fields (compact document).
    """
    if names is None:
        docs = [doc for doc in (model_operations(env, name, scope) for name in candidate_models(env, scope)) if doc]
        if len(docs) > openapi.MAX_DETAILED_MODELS:
            return docs, False
        return _detailed(env, scope, docs), True
    docs = []
    for name in names:
        # as the API refuses them: whether they exist or not
        if model_denied(name):
            raise PermissionDenied(f"{name} cannot be used through the REST API: credentials are managed in Odoo.")
        model = env.registry.get(name)
        if model is None or model._abstract:
            raise NotFound(f"Unknown model '{name}'.")
        if model._transient:
            raise NotFound(f"Model '{name}' is a wizard (transient model): wizards are not documented.")
        doc = model_operations(env, name, scope)
        if doc is None:
            raise PermissionDenied(f"This API key may not use model '{name}'.")
        docs.append(doc)
    return _detailed(env, scope, docs), True


def _detailed(env, scope, docs):
    """``docs`` with their fields and files (the reports of all of them read at once), and what
    the key may do on the comodels of their x2many fields that are not among them."""
    # what the key and its user may do on attachments: "read" lists them, "create" uploads them
    attachments = allowed_operations(env, scope, ATTACHMENT_MODEL, ("read", "create"))
    reports = report_references(env, [doc.model for doc in docs])
    detailed = [with_fields(env, doc, attachments, reports.get(doc.model, ())) for doc in docs]
    names, operations = {doc.model for doc in docs}, {}
    for index, doc in enumerate(detailed):
        comodels = {
            field["relation"]
            for field in doc.fields.values()
            if field.get("type") in X2MANY_TYPES and field.get("relation") and field["relation"] not in names
        }
        for comodel in comodels - operations.keys():
            operations[comodel] = allowed_operations(env, scope, comodel, OPERATIONS)
        detailed[index] = dataclasses.replace(doc, comodels={name: operations[name] for name in sorted(comodels)})
    return detailed
