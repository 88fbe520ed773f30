"""Keyset ("cursor") pagination of the search endpoint: a page costs the same at any depth.

The ``cursor`` of the next page (in the ``Link`` header) holds the sort key of the last row
returned, for the request's ``order`` (or the model's default order) with ``id`` as the tie
breaker, signed (``signing``) so that a client can neither forge nor alter it. The next page is
the rows after that key: ``(k1, k2, id) > (v1, v2, v3)`` spelled out term by term, so that each
term keeps its own direction and the place of its NULLs, exactly as PostgreSQL sorts them.
The condition is added to the query of ``_search``, so access rights and record rules apply as
to any search, and no ``OFFSET`` is used.

Only orders on stored columns of the model itself can be continued so (a many2one is ordered
by its comodel's order, a translated field by its value in a language): such an order keeps
``offset`` paging, and a request sending a ``cursor`` with it is a 400.
"""

import datetime
from urllib.parse import urlencode

from odoo.tools import SQL

from . import signing
from .query import InvalidInput, parse_order

SCOPE = "rest_api.search_cursor"
KEYSET_TYPES = frozenset({"boolean", "char", "text", "selection", "integer", "float", "monetary", "date", "datetime"})
CURSOR_PARAMS = ("cursor", "offset")


def keyset_terms(records, order):
    """``[(field name, descending, nulls first)]`` of ``order`` (None: the model's), ending
    with ``id``; None when the order cannot be continued by a cursor (see module doc)."""
    try:
        spec = parse_order(order or records._order, records._fields)
    except InvalidInput:  # a model's _order beyond field [asc|desc] [nulls first|last]
        return None
    terms = []
    for term in (spec or "id").split(", "):
        name, direction, *nulls = term.split(" ")
        field = records._fields[name]
        if name != "id" and (
            not field.store
            or not field.column_type
            or field.type not in KEYSET_TYPES
            or getattr(field, "translate", False)
            or field.company_dependent
        ):
            return None
        descending = direction == "desc"
        # PostgreSQL's default: NULLs sort as if larger than any value
        nulls_first = nulls == ["nulls", "first"] if nulls else descending
        terms.append((name, descending, nulls_first))
        if name == "id":  # unique: later terms never decide
            return terms
    return [*terms, ("id", False, False)]


def order_of(terms):
    """The ORDER BY spec that ``terms`` stand for (the one the page is read in)."""
    parts = []
    for name, descending, nulls_first in terms:
        parts.append(f"{name} {'desc' if descending else 'asc'} nulls {'first' if nulls_first else 'last'}")
    return ", ".join(parts)


def _column(records, name, query):
    """The SQL expression Odoo sorts ``name`` by (booleans: NULL as false)."""
    column = records._field_to_sql(records._table, name, query)
    return SQL("COALESCE(%s, FALSE)", column) if records._fields[name].type == "boolean" else column


def _after(column, value, descending, nulls_first):
    """The rows whose ``column`` sorts strictly after ``value``."""
    if value is None:
        return SQL("%s IS NOT NULL", column) if nulls_first else SQL("FALSE")
    later = SQL("%s < %s", column, value) if descending else SQL("%s > %s", column, value)
    return later if nulls_first else SQL("(%s OR %s IS NULL)", later, column)


def _equal(column, value):
    return SQL("%s IS NULL", column) if value is None else SQL("%s = %s", column, value)


def keyset_condition(records, terms, values, query):
    """``(k1, k2, ..., id) > (v1, v2, ..., vn)`` in the order of ``terms``."""
    columns = [_column(records, name, query) for name, _descending, _nulls in terms]
    alternatives = []
    for position, (_name, descending, nulls_first) in enumerate(terms):
        conditions = [_equal(columns[i], values[i]) for i in range(position)]
        conditions.append(_after(columns[position], values[position], descending, nulls_first))
        alternatives.append(SQL("(%s)", SQL(" AND ").join(conditions)))
    return SQL("(%s)", SQL(" OR ").join(alternatives))


def _encode(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def make_cursor(records, terms, values):
    return signing.sign(records.env, SCOPE, {"m": records._name, "o": order_of(terms), "v": values})


def read_cursor(records, terms, text):
    """The sort key a ``cursor`` continues from; 400 if it is not one of ours for this model and order."""
    payload = signing.unsign(records.env, SCOPE, text, "cursor")
    if terms is None:
        raise InvalidInput(("cursor", "this order cannot be paged with a cursor; page with offset"))
    if payload.get("m") != records._name or payload.get("o") != order_of(terms):
        raise InvalidInput(("cursor", "was issued for another model or order; send the order it was issued with"))
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(terms):
        raise InvalidInput(("cursor", "is not a cursor of this order"))
    return values


def cursor_page(records, domain, names, terms, *, values, limit):
    """``(rows, next cursor or None)``: up to ``limit`` rows after ``values`` (None: from the start)."""
    query = records._search(domain, order=order_of(terms), limit=limit + 1)
    if values is not None:
        query.add_where(keyset_condition(records, terms, values, query))
    columns = [SQL.identifier(records._table, "id")]
    columns += [_column(records, name, query) for name, _descending, _nulls in terms]
    keys = records.env.execute_query(query.select(*columns))
    more = len(keys) > limit
    keys = keys[:limit]
    rows = records.browse([key[0] for key in keys]).read(names)
    if not more:
        return rows, None
    return rows, make_cursor(records, terms, [_encode(value) for value in keys[-1][1:]])


def cursor_link(path, args, cursor):
    """The ``Link`` header value of the page that ``cursor`` starts (the other parameters kept)."""
    params = [(name, value) for name, value in args if name not in CURSOR_PARAMS]
    params.append(("cursor", cursor))
    return f'<{path}?{urlencode(params)}>; rel="next"'
