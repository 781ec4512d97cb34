"""A throwaway PostgreSQL + PostGIS server for the tests (initdb/pg_ctl on 127.0.0.1, a free port).

PostgreSQL refuses to run as root, so under euid 0 the cluster is made and run by the `postgres`
user that the Debian package creates (`runuser -u postgres --`).  TCP connections need a password
(scram-sha-256), so a wrong one is refused as on a real server.  Roles made here:

- `admin` (superuser), `editor` (may create tables in schema `public`), `viewer` (read-only: SELECT only,
  and `default_transaction_read_only`), each with its own password;
- databases `gis` (PostGIS installed) and `plain` (no PostGIS).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

# A password nobody would type by chance: tests assert it appears in no output, message or file.
EDITOR_PASSWORD = "Xq7-Sekr1t-zzPW"
ADMIN_PASSWORD = "adm-Pw-93517"
VIEWER_PASSWORD = "view-Pw-28841"


def server_binaries() -> Path | None:
    """The folder holding initdb/pg_ctl (Debian keeps them off PATH), if a server with PostGIS is installed."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        version = Path(folder).parent.name
        if (Path(folder) / "initdb").exists() and glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
            return Path(folder)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bin: Path
    root: Path
    port: int
    as_user: list[str]  # command prefix that runs a server tool as the cluster's owner

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, user: str = "editor", password: str | None = EDITOR_PASSWORD, db: str = "gis",
            fragment: str = "") -> str:
        auth = quote(user) + (f":{quote(password, safe='')}" if password is not None else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}" + (f"#{fragment}" if fragment else "")

    def admin_url(self, db: str = "gis") -> str:
        return self.url("admin", ADMIN_PASSWORD, db)

    def _tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, str(self.bin / args[0]), *args[1:]], check=check,
                              capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        self._tool("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                   "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._tool("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def sql(self, statement: str, db: str = "gis") -> None:
        import psycopg

        with psycopg.connect(self.admin_url(db), autocommit=True) as conn:
            conn.execute(statement)


def start_cluster() -> Cluster:
    bin_dir = server_binaries()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="cy-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    pwfile = root / "pw"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    if as_user:
        shutil.chown(pwfile, "postgres", "postgres")
    cluster = Cluster(bin_dir, root, _free_port(), as_user)
    cluster._tool("initdb", "-D", str(cluster.data), "-U", "admin", f"--pwfile={pwfile}", "-E", "UTF8",
                  "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256")
    pwfile.unlink()
    for attempt in range(3):  # another test run may take the port between our probe and the start
        try:
            cluster.start()
            break
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise
            cluster.port = _free_port()
    deadline = time.monotonic() + 30
    while True:
        try:
            cluster.sql("SELECT 1", db="postgres")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    cluster.sql("CREATE DATABASE gis", db="postgres")
    cluster.sql("CREATE DATABASE plain", db="postgres")
    cluster.sql("CREATE EXTENSION postgis")
    cluster.sql(f"CREATE ROLE editor LOGIN PASSWORD '{EDITOR_PASSWORD}'")
    cluster.sql(f"CREATE ROLE viewer LOGIN PASSWORD '{VIEWER_PASSWORD}'")
    cluster.sql("ALTER ROLE viewer SET default_transaction_read_only = on")
    cluster.sql("GRANT CREATE ON SCHEMA public TO editor")
    cluster.sql("CREATE SCHEMA field AUTHORIZATION editor")
    cluster.sql("GRANT USAGE ON SCHEMA field TO viewer")
    cluster.sql("ALTER DEFAULT PRIVILEGES FOR ROLE editor GRANT SELECT ON TABLES TO viewer")
    cluster.sql("ALTER DEFAULT PRIVILEGES FOR ROLE admin GRANT SELECT ON TABLES TO viewer, editor")
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    cluster.stop()
    shutil.rmtree(cluster.root, ignore_errors=True)
