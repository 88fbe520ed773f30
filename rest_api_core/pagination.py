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
from odoo.tools.query import Query

from . import signing
from .query import InvalidInput, parse_order

SCOPE = "rest_api.search_cursor"
KEYSET_TYPES = frozenset({"boolean", "char", "text", "selection", "integer", "float", "monetary", "date", "datetime"})
CURSOR_PARAMS = ("cursor", "offset")
NUMERIC_TYPES = frozenset({"integer", "float", "monetary"})


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


def _after(column, value, descending, nulls_first, nullable):
    """The rows whose ``column`` sorts strictly after ``value``."""
    if value is None:
        return SQL("%s IS NOT NULL", column) if nulls_first else SQL("FALSE")
    later = SQL("%s < %s", column, value) if descending else SQL("%s > %s", column, value)
    return later if nulls_first or not nullable else SQL("(%s OR %s IS NULL)", later, column)


def _equal(column, value):
    return SQL("%s IS NULL", column) if value is None else SQL("%s = %s", column, value)


def keyset_condition(records, terms, values, query):
    """``(k1, k2, ..., id) > (v1, v2, ..., vn)`` in the order of ``terms``.

    When the first column holds no NULL, the rows after also satisfy ``k1 >= v1`` (``<=``
    descending), said redundantly so that PostgreSQL starts an index scan there rather than
    at the first row: what makes a page cost the same at any depth."""
    columns = [_column(records, name, query) for name, _descending, _nulls in terms]
    not_null = records._rest_api_not_null_columns() | {"id"}
    nullable = [name not in not_null and records._fields[name].type != "boolean" for name, _d, _n in terms]
    alternatives = []
    for position, (_name, descending, nulls_first) in enumerate(terms):
        conditions = [_equal(columns[i], values[i]) for i in range(position)]
        conditions.append(_after(columns[position], values[position], descending, nulls_first, nullable[position]))
        alternatives.append(SQL("(%s)", SQL(" AND ").join(conditions)))
    condition = SQL("(%s)", SQL(" OR ").join(alternatives))
    (_name, descending, _nulls), first = terms[0], columns[0]
    if len(terms) > 1 and not nullable[0] and values[0] is not None:
        bound = SQL("%s <= %s", first, values[0]) if descending else SQL("%s >= %s", first, values[0])
        condition = SQL("(%s AND %s)", bound, condition)
    return condition


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


def fetch(records, query, names, more=()):
    """The records of ``query`` with ``names`` (and ``more``) fetched in one query, as
    ``search_read`` does: ``(records, the names checked for read access)``."""
    names = records.check_field_access_rights("read", names)
    if query.is_empty():
        return records.browse(), names
    return records._fetch_query(query, records._determine_fields_to_fetch([*names, *more])), names


def cursor_page(records, domain, names, terms, *, values, limit):
    """``(rows, next cursor or None)``: up to ``limit`` rows after ``values`` (None: from the start)."""
    query = records._search(domain, order=order_of(terms), limit=limit + 1)
    if values is not None:
        query.add_where(keyset_condition(records, terms, values, query))
    keys = [name for name, _descending, _nulls in terms if name != "id"]
    fetched, names = fetch(records, query, names, keys)
    page = fetched[:limit]
    rows = page._read_format(fnames=names)
    if len(fetched) <= limit:
        return rows, None
    return rows, make_cursor(records, terms, [_encode(value) for value in _last_key(records, terms, page[-1])])


def _last_key(records, terms, record):
    """The sort key of ``record`` as the database has it: from the cache (fetched with the page),
    where NULL stays None; read again for numbers, whose cache turns NULL into 0 and rounds."""
    if any(records._fields[name].type in NUMERIC_TYPES for name, _descending, _nulls in terms if name != "id"):
        query = Query(records.env, records._table, records._table_sql)
        query.add_where(SQL("%s = %s", SQL.identifier(records._table, "id"), record.id))
        (key,) = records.env.execute_query(query.select(*(_column(records, name, query) for name, _d, _n in terms)))
        return key
    cache = records.env.cache
    return [record.id if name == "id" else cache.get(record, records._fields[name]) for name, _d, _n in terms]


def cursor_link(path, args, cursor):
    """The ``Link`` header value of the page that ``cursor`` starts (the other parameters kept)."""
    params = [(name, value) for name, value in args if name not in CURSOR_PARAMS]
    params.append(("cursor", cursor))
    return f'<{path}?{urlencode(params)}>; rel="next"'
