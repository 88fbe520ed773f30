"""Telling a database outage from a request that names no database.

When PostgreSQL cannot be reached, Odoo cannot open the request's registry
and serves the request without a database (``Application.__call__`` logs
"Database or registry unusable, trying without"). Only the routes of
server-wide modules exist there, so the API answers ``/api`` requests then
only when ``rest_api_core`` is loaded server-wide (``--load=base,web,rest_api_core``);
otherwise Odoo answers its HTML 404. On a server of one database (``-d``,
no db filter) a request without a database is always an outage; otherwise
the API asks PostgreSQL itself whether it answers. An outage gets 503 with
``Retry-After`` (retry later, nothing was deleted); else the request named
no database or an unknown one (400/404).
"""

import psycopg2

import odoo
from odoo import http
from odoo.sql_db import db_connect

from .multidb import is_api_path

RETRY_AFTER_SECONDS = 5  # Odoo serves again within ~0.1 s of PostgreSQL answering
MAINTENANCE_DATABASE = "postgres"  # the one Odoo lists databases from


def single_database():
    """The one database of a server run with ``-d <name>`` and no db filter, else None.

    Odoo then picks it for every request without asking PostgreSQL, so
    a request served without a database means Odoo could not open it.
    """
    names = [name.strip() for name in (odoo.tools.config["db_name"] or "").split(",") if name.strip()]
    return names[0] if len(names) == 1 and not odoo.tools.config["dbfilter"] else None


def database_unavailable(dbname=None):
    """Whether a request for ``dbname`` (None: none named) is without a database because of an outage.

    The name the client sent is never connected to: only the server's own
    database (``-d``) or PostgreSQL's maintenance database are asked.
    """
    if dbname is None and single_database():
        return True
    return not _database_answers(single_database())


def _database_answers(dbname):
    """Whether PostgreSQL answers a query on ``dbname`` (if any), or else on its maintenance database."""
    names = dict.fromkeys(filter(None, (dbname, MAINTENANCE_DATABASE)))
    for name in names:
        try:
            with db_connect(name).cursor() as cr:  # Odoo's pool: no new connection per request
                cr.execute("SELECT 1")
            return True
        except psycopg2.OperationalError:
            continue
    return False


def install():
    """Loaded server-wide: a connection the database drops while Odoo opens the registry of an
    ``/api`` request, matches its route or commits it (outside every handler of the API) is
    the API's 503 problem too, not Odoo's HTML 500 (idempotent)."""
    if getattr(http.Request._serve_db, "rest_api_outage", False):
        return
    original = http.Request._serve_db

    def _serve_db(self):
        try:
            return original(self)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            if not is_api_path(self.httprequest.path):
                raise
            from .dispatch import error_response  # noqa: PLC0415 - dispatch imports this module

            return error_response(exc)

    _serve_db.rest_api_outage = True
    http.Request._serve_db = _serve_db
