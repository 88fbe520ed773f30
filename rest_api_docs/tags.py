"""The order of the models in a key's documents: the ones integrations use first.

Swagger UI shows the tags in the document's order (it does not render
``x-tagGroups``), and the Postman collection has one folder per tag in the same
order. Alphabetical order would open a scope-``all`` key's document on
``base_import.mapping`` and ``bus.presence``; this order opens it on contacts,
products and sales, then lists every other model by name.
"""

# The business models of Odoo's main apps, grouped by app, in the order people reach for them.
USUAL_MODELS = (
    # Contacts
    "res.partner",
    "res.partner.category",
    # Products
    "product.template",
    "product.product",
    "product.category",
    "product.pricelist",
    # Sales and CRM
    "sale.order",
    "sale.order.line",
    "crm.lead",
    # Purchase
    "purchase.order",
    "purchase.order.line",
    # Invoicing
    "account.move",
    "account.move.line",
    "account.payment",
    # Inventory
    "stock.picking",
    "stock.move",
    "stock.quant",
    "stock.location",
    "stock.warehouse",
    # Projects and people
    "project.project",
    "project.task",
    "hr.employee",
    # Users and companies
    "res.users",
    "res.company",
)
_RANK = {model: rank for rank, model in enumerate(USUAL_MODELS)}


def documentation_order(names):
    """``names`` (model names) in documentation order: :data:`USUAL_MODELS` first, then by name."""
    return sorted(names, key=lambda name: (_RANK.get(name, len(USUAL_MODELS)), name))
