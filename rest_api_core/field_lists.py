"""The fields a read without ``fields`` returns, cached per registry, model and user groups.

Every field the user may read except binaries
(:func:`~.serialization.default_field_names`). Computing that walks all the
model's fields and checks each one's ``groups``, on every request, while the
result changes only with the model's fields and with the user's groups,
superuser mode and debug mode (``base.group_no_one`` counts only in debug
mode). So it is cached in process memory, per registry and model; and, for
the models whose fields are restricted by ``groups`` only, per ``(user's
group ids, superuser, debug)``. Odoo's ``ormcache`` is not used: its lookup
costs more than the computation.

The cache of a database is dropped when its registry is replaced (a module
installed, another worker's change signalled) or its models are set up
again in place (a custom field added or removed): Odoo then resets the
registry's lazy properties, so its ``field_computed`` mapping is a new
object, which the cache compares against.
"""

import weakref

from odoo.http import request

from .serialization import default_field_names

# database name -> (weak reference to its registry, its field_computed, {model name: ModelFieldList})
_BY_DATABASE = {}


class ModelFieldList:
    """The default field list of one model as set up, from its ``{name: field}`` (pure)."""

    def __init__(self, model_fields):
        self.model_fields = model_fields
        self.restricted = any(field.groups for field in model_fields.values() if field.type != "binary")
        self.unrestricted_names = (
            None if self.restricted else tuple(default_field_names(model_fields, lambda _field: True))
        )
        self._by_access = {}  # access key -> names

    def names(self, access_key, is_accessible):
        """The field names (a tuple) for the current user.

        ``access_key()`` identifies what ``is_accessible(field)`` depends on;
        both are only called for models with restricted fields, the latter
        once per access key.
        """
        if not self.restricted:
            return self.unrestricted_names
        key = access_key()
        names = self._by_access.get(key)
        if names is None:
            names = self._by_access[key] = tuple(default_field_names(self.model_fields, is_accessible))
        return names


def default_fields(model):
    """The names of the fields a read of ``model`` (a recordset) without ``fields`` returns."""
    env = model.env
    entries = _registry_entries(env.registry)
    entry = entries.get(model._name)
    if entry is None:
        entry = entries[model._name] = ModelFieldList(model._fields)
    return list(entry.names(lambda: _access_key(env), lambda field: field.is_accessible(env)))


def _registry_entries(registry):
    """The entries of ``registry`` as set up now: none yet after a new registry or setup."""
    reference, generation, entries = _BY_DATABASE.get(registry.db_name, (None, None, None))
    if reference is None or reference() is not registry or generation is not registry.field_computed:
        entries = {}
        _BY_DATABASE[registry.db_name] = (weakref.ref(registry), registry.field_computed, entries)
    return entries


def _access_key(env):
    """What ``Field.is_accessible(env)`` depends on."""
    return env.user._get_group_ids(), env.su, bool(request and request.session.debug)
