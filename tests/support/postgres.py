"""A throw-away PostgreSQL cluster on a local port, started and stopped by the test run itself."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    """Locate the server binaries (Debian keeps them outside PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.insert(0, str(Path(initdb).resolve().parent))
    for cand in candidates:
        if (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running cluster; `url` is a SQLAlchemy URL for its `postgres` database."""

    bindir: Path
    datadir: Path
    port: int
    run_as: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def halt(self) -> None:
        """Stop the server but keep its data: the database is unavailable until `resume`."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            _options(self.port, self.datadir.parent),
            "-l",
            str(self.datadir.parent / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
        finally:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _options(port: int, base: Path) -> str:
    return (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )


def start_cluster() -> Cluster:
    """initdb + pg_ctl start in a temporary folder (as the postgres user when we are root)."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    datadir = base / "data"
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        pw = pwd.getpwnam(run_as)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    base.chmod(0o755)
    cluster = Cluster(bindir=bindir, datadir=datadir, port=_free_port(), run_as=run_as)
    cluster._run(
        str(bindir / "initdb"),
        "-D",
        str(datadir),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    opts = _options(cluster.port, base)
    cluster._run(
        str(bindir / "pg_ctl"),
        "-D",
        str(datadir),
        "-o",
        opts,
        "-l",
        str(base / "log"),
        "-w",
        "-t",
        "60",
        "start",
    )
    return cluster
