"""Choosing the database of an ``/api`` request on a server with several databases.

Odoo picks a request's database before any addon code runs: the session's
database if the db filter accepts it, else the only database the filter
leaves. With several databases and no session (every API client), that is
none, and the request is served without a database (``_serve_nodb``), where
only routes of server-wide modules exist.

When ``rest_api_core`` is loaded server-wide (``--load=base,web,rest_api_core``
or ``server_wide_modules`` in the configuration file), its ``post_load`` hook
installs :func:`install`: a request whose path is under ``/api`` and that
names a database (``X-Odoo-Database`` header, else ``db`` query parameter)
is served from that database if Odoo's db filter (``--db-filter`` / ``-d``)
accepts it and it exists, with a fresh stateless session (API calls never
use or alter a browser session). Every other request (any non-``/api`` path,
or an ``/api`` request naming no database) goes through Odoo's own choice,
untouched. A named database that is refused leaves the request without a
database; the API then answers 404 problem+json (see ``dispatch``).
"""

import odoo
from odoo import http
from odoo.modules.registry import Registry

DATABASE_HEADER = "X-Odoo-Database"
DATABASE_PARAM = "db"


def is_api_path(path):
    return path == "/api" or path.startswith("/api/")


def requested_database(httprequest):
    """The database an ``/api`` (or JSON-2, ``/json/2/...``) request names, or None."""
    if not (is_api_path(httprequest.path) or httprequest.path.startswith("/json/2/")):
        return None
    name = httprequest.headers.get(DATABASE_HEADER) or httprequest.args.get(DATABASE_PARAM) or ""
    return name.strip() or None


def is_served(dbname, host):
    """Whether this server serves ``dbname`` to a request for ``host`` (db filter, existence)."""
    if not http.db_filter([dbname], host=host):
        return False
    return dbname in Registry.registries or dbname in odoo.service.db.list_dbs(force=True)


def _get_session_and_dbname(self):
    dbname = requested_database(self.httprequest)
    if dbname is None:
        return _get_session_and_dbname.original(self)
    session = http.root.session_store.new()
    session.update(http.get_default_session())
    session.context["lang"] = self.default_lang()
    if not is_served(dbname, self.httprequest.environ.get("HTTP_HOST", "")):
        dbname = None
    session.db = dbname
    session.is_dirty = False
    return session, dbname


def install():
    """Route ``/api`` requests that name a database to it (idempotent)."""
    if http.Request._get_session_and_dbname is _get_session_and_dbname:
        return
    _get_session_and_dbname.original = http.Request._get_session_and_dbname
    http.Request._get_session_and_dbname = _get_session_and_dbname


def post_load():
    """Odoo's ``post_load`` hook: only a server-wide load changes database selection.

    Loaded per database (the usual way), the hook would only run once some
    registry is loaded, so workers would choose databases differently over
    time; the API then uses the database Odoo chose, and checks that a
    named database matches it.
    """
    if "rest_api_core" in odoo.conf.server_wide_modules:
        install()
