"""A throwaway PostgreSQL cluster for the PostgreSQL pass of the tests.

:func:`start_cluster` runs Debian's (or any) ``initdb`` into a temporary folder and starts the
server on loopback only, on a free port, with its unix socket in that folder, tuned for tests
(``fsync``, ``full_page_writes`` and ``synchronous_commit`` off: a crash loses the cluster,
which is thrown away anyway). Run as root, the server runs as the ``postgres`` OS user
(``runuser -u postgres --``), as PostgreSQL refuses to run as root. :meth:`PgCluster.stop`
stops it and removes the folder; it is registered with ``atexit`` too, so the server never
outlives the test run (also when the run fails or is interrupted).

``INFOCOACH_TEST_PG_URL`` (a ``postgresql://`` URL of a maintenance database on an existing
server, e.g. ``postgresql://me@localhost/postgres``) skips all this: the tests create and drop
their databases on that server instead.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PG_USER = "postgres"
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "max_locks_per_transaction": "128",
}


def find_bindir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (Debian keeps them out of PATH)."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    candidates += [Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))][
        ::-1
    ]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise RuntimeError(
        "PostgreSQL's initdb and pg_ctl were not found: install Debian's postgresql package "
        "(apt-get install postgresql), or set INFOCOACH_TEST_PG_URL to an existing server"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    folder: Path
    port: int
    bindir: Path
    as_postgres: bool
    _stopped: bool = field(default=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", PG_USER, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is kept) and remove its folder."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(
    settings: Mapping[str, str] = SERVER_SETTINGS, *, prefix: str = "infocoach-pg-"
) -> PgCluster:
    """initdb + start with ``settings`` (``-c name=value`` each; the tests' by default, the
    benchmarks pass their own); raises with the server's log if it does not come up."""
    bindir = find_bindir()
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(folder, PG_USER, PG_USER)
    cluster = PgCluster(folder, free_port(), bindir, as_postgres)
    atexit.register(cluster.stop)
    try:
        cluster._run(
            "initdb",
            *("-D", str(cluster.data), "-A", "trust", "-U", PG_USER),
            *("-E", "UTF8", "--locale=C", "--no-sync"),
        )
        cluster.socket_dir.mkdir()
        if as_postgres:
            shutil.chown(cluster.socket_dir, PG_USER, PG_USER)
        options = " ".join(f"-c {k}={v}" for k, v in settings.items())
        options += f" -p {cluster.port} -k {cluster.socket_dir}"
        cluster._run(
            "pg_ctl",
            *("-D", str(cluster.data), "-o", options, "-l", str(cluster.folder / "server.log")),
            *("-w", "-t", "60", "start"),
        )
    except subprocess.CalledProcessError as exc:
        log_file = cluster.folder / "server.log"
        log_text = log_file.read_text() if log_file.exists() else ""
        cluster.stop()
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr}\n{log_text}") from exc
    except BaseException:
        cluster.stop()
        raise
    return cluster
