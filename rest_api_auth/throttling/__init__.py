"""Throttling, in a few modules imported where needed (none is imported here, so that
the pure ones, e.g. for ``keys``, do not bring in the store):

* :mod:`.gcra`: rate policies and the GCRA arithmetic (pure);
* :mod:`.base`: the store interface, timeouts, circuit breaker, warnings;
* :mod:`.store`: the PostgreSQL store (statements, connection pool), the default;
* :mod:`.redis_store`: the Redis/Valkey store (one Lua script), opt-in;
* :mod:`.lease`: quota leases, a busy key's requests charged several at a time;
* :mod:`.usage`: key usage counted in the process and added to the store;
* :mod:`.throttle`: the checks an authentication makes (:class:`~.throttle.Throttle`).
"""
