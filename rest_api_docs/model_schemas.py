"""The component schemas of one model in the OpenAPI document (``rest_api_core.model_schemas``),
whose x2many commands reference the values schemas of the document's other models."""

from odoo.addons.rest_api_core.model_schemas import model_schemas as core_model_schemas
from odoo.addons.rest_api_core.model_schemas import scoped_command_values, values_schema_name


def document_command_values(model_doc, documented):
    """``command_values(relation, code)`` in the document of ``model_doc``, whose models are
    ``documented`` (``{model: operations}``): a comodel of the document is referenced (its
    values schema's ``$ref``); a comodel that ``?models=`` left out is an object of its fields."""

    def operations(relation):
        return documented[relation] if relation in documented else model_doc.comodels.get(relation, ())

    def values_ref(relation):
        return {"$ref": schema_ref(values_schema_name(relation))} if relation in documented else None

    return scoped_command_values(operations, values_ref)


def model_schemas(model_doc, documented=None):
    """The component schemas of one model: its records, writable values, and create body
    (``documented``: ``{model: operations}`` of the document, whose values its x2many commands
    reference; by default ``model_doc`` alone)."""
    if documented is None:
        documented = {model_doc.model: model_doc.operations}
    command_values = document_command_values(model_doc, documented)
    return core_model_schemas(
        model_doc.model, model_doc.description, model_doc.fields, model_doc.defaulted, command_values
    )


def schema_ref(name):
    return f"#/components/schemas/{name}"
