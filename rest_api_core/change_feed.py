"""The change feed of a model: what was created, updated or deleted since a token.

Records are read in ``(write_date, id)`` order, deletions (tombstones) in ``(deleted_at,
res_id)`` order, merged; the token is the position of the last item served, signed. Odoo stamps
``write_date`` (and a tombstone its ``deleted_at``) with the *start* of the writing transaction,
so a transaction that started before a page was served and commits after it would write behind
the token. Hence the **horizon**: a page serves only what is stamped before the start of the
oldest transaction still running on the database (``pg_stat_activity.xact_start``), read
*before* the page's snapshot is taken (:func:`horizon` then a new transaction), so that every
transaction that can still stamp something earlier has ended and is visible to the page. Later
changes wait for the next call: a long transaction delays the feed, it never loses a change.

Odoo keeps no index on ``write_date``: without one, every page sorts the table. The feed index
(:func:`set_feed_index`, the model's "REST API: change feed index" switch) is one on
``(write_date, id)``, made on demand for the tables a feed reads, since it costs every write of
the table and takes a lock to build.
"""

import datetime

from odoo.tools import SQL
from odoo.tools.sql import make_identifier

from . import signing
from .pagination import fetch
from .query import InvalidInput

SCOPE = "rest_api.changes_token"
NOW = "now"
CHANGE, DELETION = 0, 1  # at equal time and id, a change sorts before a deletion


def has_change_dates(records):
    """Whether the model keeps write dates (Odoo's ``_log_access``), which its feed is read by."""
    field = records._fields.get("write_date")
    return bool(field and field.store)


def check_feed(records):
    """400 for a model without write dates: there is no change to read."""
    if not has_change_dates(records):
        raise InvalidInput(("model", f"{records._name} keeps no write dates: it has no change feed"))


def indexable(records):
    """Whether the feed index can be made for the model: it has a feed and a table of its own."""
    return has_change_dates(records) and records._auto and not (records._abstract or records._transient)


def feed_index_name(records):
    return make_identifier(f"{records._table}_rest_api_feed_index")


def indexed_models(env, model_names):
    """The models among ``model_names`` whose table has the feed index."""
    names = {feed_index_name(env[name]): name for name in model_names if name in env}
    rows = env.execute_query(SQL("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", list(names)))
    return {names[indexname] for (indexname,) in rows}


def set_feed_index(records, present):
    """Create (``present``) or drop the feed index of the model's table."""
    name = SQL.identifier(feed_index_name(records))
    if present:
        statement = SQL("CREATE INDEX IF NOT EXISTS %s ON %s (write_date, id)", name, SQL.identifier(records._table))
    else:
        statement = SQL("DROP INDEX IF EXISTS %s", name)
    records.env.execute_query(statement)


def horizon(cr):
    """The time before which every transaction of this database's clients has ended (UTC, naive),
    on the database server's clock. Our own transaction is left out: the caller ends it before
    reading what the horizon bounds (a page, the webhook sender's claim). PostgreSQL's own
    processes (autovacuum, replication senders) stamp nothing: an hours-long vacuum of a big
    table must not hold the feed and the webhooks back."""
    cr.execute(
        """SELECT LEAST(clock_timestamp(), MIN(xact_start)) AT TIME ZONE 'UTC'
             FROM pg_stat_activity
            WHERE datname = current_database() AND xact_start IS NOT NULL AND pid != pg_backend_pid()
              AND backend_type = 'client backend'"""
    )
    return cr.fetchone()[0]


def make_token(env, model_name, position):
    moment, record_id, kind = position
    return signing.sign(env, SCOPE, {"m": model_name, "p": [moment.isoformat(), record_id, kind]})


def read_token(env, model_name, text):
    """The position ``(time, id, kind)`` a ``since`` token continues from; 400 if not ours for this model."""
    payload = signing.unsign(env, SCOPE, text, "since")
    if payload.get("m") != model_name:
        raise InvalidInput(("since", f"was issued for another model than {model_name}"))
    moment, record_id, kind = payload["p"]
    return datetime.datetime.fromisoformat(moment), record_id, kind


def changes_query(records, domain, position, *, bound, limit):
    """The query of the records matching ``domain`` changed after ``position`` and before ``bound``."""
    query = records._search(domain, order="write_date asc, id asc", limit=limit)
    write_date = SQL.identifier(records._table, "write_date")
    record_id = SQL.identifier(records._table, "id")
    query.add_where(SQL("%s < %s", write_date, bound))
    if position is not None:
        moment, last_id, _kind = position
        query.add_where(SQL("(%s, %s) > (%s, %s)", write_date, record_id, moment, last_id))
    return query


def _changes(records, domain, names, position, *, bound, limit, dates):
    """The records of :func:`changes_query`, in that order, with ``names`` (and ``write_date``
    when ``dates``) fetched in the same query."""
    query = changes_query(records, domain, position, bound=bound, limit=limit)
    return fetch(records, query, names, ["write_date"] if dates else [])[0]


def _positions(records):
    """``[(write_date, id, CHANGE)]`` of fetched ``records``, straight from the cache the query
    filled (a field access per record, or ``mapped()``, makes a record per row)."""
    moments = records.env.cache.get_values(records, records._fields["write_date"])
    return [(moment, rid, CHANGE) for moment, rid in zip(moments, records._ids, strict=True)]


def _position(record):
    """``(write_date, id, CHANGE)`` of one record: from the cache, else its row alone."""
    moment = record.env.cache.get(record, record._fields["write_date"], None)
    if moment is None:
        table = SQL.identifier(record._table)
        (moment,) = record.env.execute_query(SQL("SELECT write_date FROM %s WHERE id = %s", table, record.id))[0]
    return moment, record.id, CHANGE


def _deletions(records, position, bound, limit):
    """``[(deleted_at, id, DELETION)]`` of the model's tombstones after ``position`` and before ``bound``,
    of records without a company or of one of the user's companies."""
    after = SQL("TRUE")
    if position is not None:
        moment, last_id, kind = position
        after = SQL(
            "((deleted_at, res_id) > (%s, %s) OR (deleted_at = %s AND res_id = %s AND %s))",
            moment,
            last_id,
            moment,
            last_id,
            kind == CHANGE,
        )
    rows = records.env.execute_query(
        SQL(
            """SELECT deleted_at, res_id FROM rest_api_tombstone
                WHERE model = %s AND deleted_at < %s AND %s AND (company_id IS NULL OR company_id = ANY(%s))
                ORDER BY deleted_at, res_id LIMIT %s""",
            records._name,
            bound,
            after,
            records.env.companies.ids,
            limit,
        )
    )
    return [(moment, rid, DELETION) for moment, rid in rows]


def feed_page(records, domain, names, *, position, bound, limit, tracked):
    """``{"changes": [...], "deleted": [...] (``tracked`` only), "next": token}`` after ``position``
    (None: from the beginning), everything stamped before ``bound`` (see :func:`horizon`)."""
    # one snapshot (REPEATABLE READ): deletions first, to know whether the changes' dates are needed
    deletions = _deletions(records, position, bound, limit + 1) if tracked else []
    # the dates of every change only to merge them with deletions: 1,000 of them cost a page
    # about a tenth of a search page's CPU, and a page without deletions needs its last one's only
    fetched = _changes(records, domain, names, position, bound=bound, limit=limit + 1, dates=bool(deletions))
    if deletions:  # merged with the changes, in the order of both
        items = sorted(_positions(fetched) + deletions)
        full = len(items) > limit
        del items[limit:]
        # the changes served are the first ones fetched: a slice, not a new recordset
        changed = fetched[: sum(1 for _moment, _rid, kind in items if kind == CHANGE)]
        last = items[-1] if full else None
    else:  # changes only: the position of the last one served is all the page needs
        changed = fetched[:limit]
        last = _position(changed[-1]) if len(fetched) > limit else None
    if last is None:  # everything before the horizon is served
        last = max(position, (bound, 0, CHANGE)) if position is not None else (bound, 0, CHANGE)
    page = {"changes": changed._read_format(fnames=records.check_field_access_rights("read", names))}
    if tracked:
        page["deleted"] = [rid for _moment, rid, kind in items if kind == DELETION] if deletions else []
    page["next"] = make_token(records.env, records._name, last)
    return page
