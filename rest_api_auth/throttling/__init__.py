"""Throttling, in a few modules imported where needed (none is imported here, so that
the pure ones, e.g. for ``keys``, do not bring in the store):

* :mod:`.gcra`: rate policies and the GCRA arithmetic (pure);
* :mod:`.store`: the PostgreSQL store (statements, connection pool, circuit breaker);
* :mod:`.usage`: key usage counted in the process and added to the store;
* :mod:`.throttle`: the checks an authentication makes (:class:`~.throttle.Throttle`).
"""
