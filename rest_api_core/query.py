"""Parsing the query parameters of the read endpoints (pure functions).

``domain`` and ``fields`` come as JSON (``[["id", "in", [1, 2]]]``) or as the
Python literals Odoo users write (``[('id', 'in', [1, 2])]``). Both are read
with a literal parser (``json.loads``, then ``ast.literal_eval``), never an
evaluator, and then checked against the model: operators from Odoo's own
whitelist, field names (and dotted paths) that exist, values that are plain
data (finite numbers). ``order`` accepts only ``field [asc|desc] [nulls first|last]`` terms on
existing fields, so no raw SQL ever reaches the ORM. Which other models a
domain reads, for a key's scope, is ``reach.domain_reach``.

Model metadata is passed in as plain mappings ``{field name: field}`` where a
field has ``type`` and ``comodel_name`` attributes (Odoo's ``Model._fields``
in production; simple namespaces in the tests).
"""

import ast
import json
import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from odoo.osv.expression import DOMAIN_OPERATORS, TERM_OPERATORS

RELATIONAL_TYPES = frozenset({"many2one", "one2many", "many2many"})
SUBDOMAIN_OPERATORS = frozenset({"any", "not any"})
CONSTANT_LEAVES = ([1, "=", 1], [0, "=", 1])  # Odoo's TRUE_LEAF and FALSE_LEAF
MAX_PARAMETER_LENGTH = 65536
MAX_OFFSET = 2**31 - 1

IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"  # a field or method name (private ones too: refused later, by name)
_FIELD_PATH = re.compile(rf"^{IDENTIFIER}(\.{IDENTIFIER})*$")
_ORDER_TERM = re.compile(
    rf"^\s*(?P<field>{IDENTIFIER})(?:\s+(?P<direction>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?\s*$",
    re.IGNORECASE,
)
# a whole number in decimal, as JSON Schema counts them ("5.0" is 5); leading zeros aside, at
# most 19 digits, so that the conversion is cheap and the bounds check decides
_WHOLE_NUMBER = re.compile(r"0*(?P<digits>[0-9]{1,19})(?:\.0+)?")
_SCALAR_TYPES = (str, int, float, bool, type(None))


class InvalidInput(ValueError):
    """Client input that cannot be used; ``invalid_params`` names each culprit.

    Rendered as a 400 problem with an RFC 9457 ``invalid_params`` member.
    """

    def __init__(self, *problems):
        self.invalid_params = [{"name": name, "reason": reason} for name, reason in problems]
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))


def parse_literal(param, text):
    """A JSON value, or else a Python literal; never evaluated as code."""
    if len(text) > MAX_PARAMETER_LENGTH:
        raise InvalidInput((param, f"is longer than {MAX_PARAMETER_LENGTH} characters"))
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:  # pylint: disable=except-pass
        pass
    except RecursionError:
        raise InvalidInput((param, "is nested too deeply")) from None
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise InvalidInput((param, 'is neither JSON nor a Python literal (e.g. [["name", "=", "x"]])')) from None


@dataclass(frozen=True)
class DomainLimits:
    """How large a client's domain may be (``settings.domain_limits``)."""

    max_conditions: int  # conditions, counted through every sub-domain
    max_depth: int  # levels of ``any``/``not any`` sub-domains, the domain itself being level 1


def check_domain_size(domain, limits, param="domain"):
    """400 unless ``domain`` is within ``limits``: each condition costs the ORM and
    PostgreSQL a level of their expression trees (10,000 exhausted PostgreSQL's parser
    memory), each sub-domain a recursion. Walks without recursion, so that any shape
    is measured; a list nested inside a condition's value counts as a sub-domain."""
    conditions = 0
    pending = [(domain, 1)]
    while pending:
        items, depth = pending.pop()
        if depth > limits.max_depth:
            raise InvalidInput((param, f"nests sub-domains more than {limits.max_depth} levels deep (the limit)"))
        if not isinstance(items, list | tuple):
            continue
        for item in items:
            if not isinstance(item, list | tuple):
                continue
            conditions += 1
            if conditions > limits.max_conditions:
                raise InvalidInput((param, f"has more than {limits.max_conditions} conditions (the limit)"))
            for value in item:
                if isinstance(value, list | tuple) and any(isinstance(member, list | tuple) for member in value):
                    pending.append((value, depth + 1))


def parse_domain(text, model_name, fields_of, limits):
    """The domain in ``text`` as a JSON-ready list, checked against ``model_name``.

    ``fields_of(model_name)`` returns the field mapping of a model; dotted
    paths are followed through relational fields, ``any``/``not any``
    sub-domains are checked against the comodel. Its size must be within
    ``limits`` (:class:`DomainLimits`).
    """
    if text is None or not text.strip():
        return []
    domain = parse_literal("domain", text)
    check_domain_size(domain, limits)
    return check_domain(domain, model_name, fields_of)


def check_domain(domain, model_name, fields_of, param="domain"):
    if not isinstance(domain, list | tuple):
        raise InvalidInput((param, 'must be a list of conditions such as [["name", "ilike", "acme"]]'))
    result = []
    missing_operands = 1  # Polish notation, with Odoo's implicit '&' between top-level terms
    for element in domain:
        if missing_operands == 0:
            missing_operands = 1
        if isinstance(element, str):
            if element not in DOMAIN_OPERATORS:
                raise InvalidInput((param, f"{element!r} is not a domain operator (use '&', '|' or '!')"))
            missing_operands += 0 if element == "!" else 1
            result.append(element)
        elif isinstance(element, list | tuple):
            result.append(_check_condition(list(element), model_name, fields_of, param))
            missing_operands -= 1
        else:
            raise InvalidInput((param, f"{element!r} is neither a condition nor an operator"))
    if result and missing_operands:
        raise InvalidInput((param, "an operator ('&', '|', '!') lacks its operands"))
    return result


def _check_condition(condition, model_name, fields_of, param):
    if len(condition) != 3:
        raise InvalidInput((param, f"condition {condition!r} must have 3 elements: field, operator, value"))
    if condition in CONSTANT_LEAVES and not any(isinstance(item, bool) for item in condition):
        return condition
    path, operator, value = condition
    if not isinstance(path, str) or not _FIELD_PATH.match(path):
        raise InvalidInput((param, f"{path!r} is not a field name"))
    if not isinstance(operator, str) or operator.lower() not in TERM_OPERATORS:
        raise InvalidInput((param, f"operator {operator!r} is not one of {', '.join(TERM_OPERATORS)}"))
    operator = operator.lower()
    field = resolve_path(path, model_name, fields_of, param)
    if operator in SUBDOMAIN_OPERATORS:
        if field.type not in RELATIONAL_TYPES:
            raise InvalidInput((param, f"{operator!r} needs a relational field, {path!r} is {field.type}"))
        return [path, operator, check_domain(value, field.comodel_name, fields_of, param)]
    return [path, operator, _check_value(value, param)]


def resolve_path(path, model_name, fields_of, param):
    """The field a dotted ``path`` designates, following relational fields."""
    parts = path.split(".")
    for position, name in enumerate(parts):
        field = fields_of(model_name).get(name)
        if field is None:
            raise InvalidInput((param, f"unknown field {'.'.join(parts[: position + 1])!r} on {model_name}"))
        if position == len(parts) - 1:
            return field
        if field.type == "properties" and position == len(parts) - 2:
            return field  # "<properties field>.<property name>"
        if field.type not in RELATIONAL_TYPES:
            raise InvalidInput((param, f"{name!r} on {model_name} is not a relational field, cannot follow {path!r}"))
        model_name = field.comodel_name
    raise AssertionError("unreachable")


def _is_scalar(value):
    """Plain data; not ``NaN`` or infinite numbers, which JSON cannot hold (Python's parsers accept them)."""
    return isinstance(value, _SCALAR_TYPES) and not (isinstance(value, float) and not math.isfinite(value))


def _check_value(value, param):
    if _is_scalar(value):
        return value
    if isinstance(value, list | tuple) and all(_is_scalar(item) for item in value):
        return list(value)
    raise InvalidInput((param, f"value {value!r} must be a string, number (finite), boolean, null or a list of those"))


def parse_fields(text, model_fields, param="fields"):
    """The field names in ``text``, each checked against ``model_fields``; [] when absent."""
    if text is None or not text.strip():
        return []
    names = parse_literal(param, text)
    if not isinstance(names, list | tuple) or not all(isinstance(name, str) for name in names):
        raise InvalidInput((param, 'must be a list of field names such as ["name", "email"]'))
    unknown = [name for name in names if name not in model_fields]
    if unknown:
        raise InvalidInput(*((param, f"unknown field {name!r}") for name in unknown))
    return list(dict.fromkeys(names))


def parse_order(text, model_fields):
    """A normalized ORDER BY spec (``"name asc, id desc"``), or None for the model's default."""
    if text is None or not text.strip():
        return None
    terms = []
    for term in text.split(","):
        match = _ORDER_TERM.match(term)
        if not match:
            raise InvalidInput(("order", f"{term.strip()!r} is not of the form 'field [asc|desc] [nulls first|last]'"))
        if match["field"] not in model_fields:
            raise InvalidInput(("order", f"unknown field {match['field']!r}"))
        parts = [match["field"], (match["direction"] or "asc").lower()]
        if match["nulls"]:
            parts.append(f"nulls {match['nulls'].lower()}")
        terms.append(" ".join(parts))
    return ", ".join(terms)


def limit_schema(default, maximum):
    """The JSON Schema of ``limit``: the document publishes it, :func:`parse_limit` enforces it."""
    return {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}


OFFSET_SCHEMA = {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}


def parse_limit(text, default, maximum):
    """``limit`` absent: ``default``; present, even empty, it must be an integer (as documented)."""
    return default if text is None else _bounded_integer("limit", text, limit_schema(default, maximum))


def parse_offset(text):
    return 0 if text is None else _bounded_integer("offset", text, OFFSET_SCHEMA)


def _bounded_integer(param, text, schema):
    """``text`` as an integer within ``schema``'s ``minimum`` and ``maximum``."""
    low, high = schema["minimum"], schema["maximum"]
    match = _WHOLE_NUMBER.fullmatch(text)
    if not match or not low <= int(match["digits"]) <= high:
        raise InvalidInput((param, f"must be an integer from {low} to {high}"))
    return int(match["digits"])


def next_page_link(path, args, offset, limit):
    """The ``Link`` header value pointing at the page after ``offset``/``limit``.

    ``args`` are the request's query parameters as (name, value) pairs; they
    are kept, with ``limit`` and ``offset`` set for the next page.
    """
    params = [(name, value) for name, value in args if name not in ("limit", "offset")]
    params += [("limit", limit), ("offset", offset + limit)]
    return f'<{path}?{urlencode(params)}>; rel="next"'
