"""CPU and memory of the processes behind a test server, for the benchmarks and the live tests.

What a request costs is counted on this server's processes alone: the Odoo master and its
workers, and the PostgreSQL backends of its own database. The machine is shared: summing every
``postgres`` process would count other people's databases (and go negative when one of their
backends ends during a run). Needs ``psutil``, an Odoo dependency.
"""

import threading
import time

import psutil


def odoo_processes(server):
    """The Odoo server's master and all its descendants (workers, the gevent server)."""
    master = psutil.Process(server.process.pid)
    return [master, *master.children(recursive=True)]


def database_backends(database):
    """The PostgreSQL backends connected to ``database`` (their title names it: "postgres: user db host ...")."""
    return [
        process
        for process in psutil.process_iter(["name", "cmdline"])
        if process.info["name"] == "postgres" and f" {database} " in f" {' '.join(process.info['cmdline'] or ())} "
    ]


def process_clock(pid):
    """The kernel's CPU-time clock of process ``pid`` (what ``clock_getcpuclockid(3)`` returns:
    all its threads, ended ones included), for ``time.clock_gettime_ns``."""
    return ((~pid) << 3) | 2  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED), linux/posix-timers.h


def cpu_seconds(process):
    """CPU seconds (user + system) ``process`` has used, to the nanosecond: ``/proc/<pid>/stat``
    counts in ticks of 10 ms, too coarse for runs of a second or two. ``psutil.NoSuchProcess`` once it ended."""
    try:
        return time.clock_gettime_ns(process_clock(process.pid)) / 1e9
    except OSError:  # ended, or a kernel without per-process clocks: psutil says which
        times = process.cpu_times()
        return times.user + times.system


def cpu_by_pid(processes):
    """``{pid: CPU seconds (user + system)}`` of the processes still running."""
    seconds = {}
    for process in processes:
        try:
            seconds[process.pid] = cpu_seconds(process)
        except psutil.NoSuchProcess:
            continue
    return seconds


def server_cpu(server, database, **others):
    """``{"odoo": {pid: s}, "postgres": {pid: s}, name: {pid: s} ...}``: CPU used so far by the Odoo
    server, the backends of ``database`` and each other group of pids (``redis=[pid]``)."""
    groups = {"odoo": odoo_processes(server), "postgres": database_backends(database)}
    for name, pids in others.items():
        groups[name] = [psutil.Process(pid) for pid in pids]
    return {name: cpu_by_pid(processes) for name, processes in groups.items()}


def cpu_ms_per_request(before, after, requests):
    """Per group, the CPU milliseconds per request between two :func:`server_cpu` readings, counted
    per process: one that appeared in between counts whole, one that ended loses its last stretch."""
    return {
        name: 1000 * sum(s - before.get(name, {}).get(pid, 0.0) for pid, s in pids.items()) / max(requests, 1)
        for name, pids in after.items()
    }


class RssGrowth:
    """The largest RSS growth of any of ``pids`` over its RSS at the start, while the ``with`` block runs."""

    def __init__(self, pids, interval=0.005):
        self.processes = [psutil.Process(pid) for pid in pids]
        self.interval = interval
        self.growth = 0
        self._done = threading.Event()

    def _sample(self):
        while not self._done.is_set():
            for process in self.processes:
                self.growth = max(self.growth, process.memory_info().rss - self.before[process.pid])
            time.sleep(self.interval)

    def __enter__(self):
        self.before = {process.pid: process.memory_info().rss for process in self.processes}
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._done.set()
        self._thread.join()
