"""Where a PostGIS layer lives, how to reach it, and how to say so without the password.

A source is written `postgresql://user:pass@host:port/db#schema.table` (also `postgres://…`), or
`service=NAME#schema.table` for an entry of the libpq service file (`PGSERVICEFILE`, `~/.pg_service.conf`).
The part after `#` names the table (or, for the edits store, the schema); everything before it is
handed to libpq unchanged, so every libpq way of giving a password works: in the URL, `PGPASSWORD`,
`~/.pgpass` or the service file.

The password is a secret: `PostgisSource.public` (what a project file stores and what messages
show) never holds it, `repr()` never shows it, and `redact()` removes it from any text a driver
error may echo.  Every failure to connect is one `PostgisError` line for a person.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from geodata.core.message import Message
from geodata.io.errors import DataImportError

SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "chengyu-explorer"
_HIDDEN = "***"
PASSWORD_HINT = "(check the password in the address, PGPASSWORD or ~/.pgpass)"


class PostgisError(DataImportError):
    """A PostGIS source that cannot be reached or read; the message is one line and holds no password."""


def is_postgis_source(value) -> bool:
    """Whether `value` names a PostGIS source rather than a file (cheap: looks at the text only)."""
    if isinstance(value, PostgisSource):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.lower().startswith(SCHEMES) or text.lower().startswith("service=")


@dataclass(frozen=True)
class PostgisSource:
    """A parsed source: `conninfo` (secret: may hold the password) and the `#fragment` split off."""

    conninfo: str = field(repr=False)
    fragment: str = ""
    public: str = ""  # the conninfo without any password: safe to print and to save

    @property
    def database(self) -> str:
        return _conninfo_dict(self.conninfo).get("dbname") or _conninfo_dict(self.conninfo).get("service") or ""

    @property
    def name(self) -> str:
        """A short title: the table when one is named, else the database."""
        return self.fragment or self.database or self.public

    @property
    def stem(self) -> str:  # ImportResult.name falls back on source.stem, as for a file
        return self.name

    @property
    def public_url(self) -> str:
        """The source as a person or a project file may see it: no password, fragment kept."""
        return self.public + (f"#{self.fragment}" if self.fragment else "")

    def with_fragment(self, fragment: str) -> "PostgisSource":
        return PostgisSource(self.conninfo, fragment, self.public)

    def secrets(self) -> list[str]:
        """Every form of the password that a message could echo (for `redact`)."""
        found = [_conninfo_dict(self.conninfo).get("password") or "", os.environ.get("PGPASSWORD", "")]
        out = []
        for secret in found:
            if secret:
                out += [secret, quote(secret, safe=""), quote(secret)]
        return sorted(set(out), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, _HIDDEN)
        return text

    def __str__(self) -> str:
        return self.public_url


def parse_source(value: "str | PostgisSource") -> PostgisSource:
    """Split `postgresql://…#schema.table` or `service=NAME#schema.table`; PostgisError if malformed."""
    if isinstance(value, PostgisSource):
        return value
    text = str(value).strip()
    if not is_postgis_source(text):
        raise PostgisError(Message("不是 PostGIS 数据源", "not a PostGIS source: write postgresql://user@host:port/db#schema.table "
                                                       "or service=NAME#schema.table"))
    conn, _, fragment = text.partition("#")
    fragment = unquote(fragment.strip())
    try:
        _conninfo_dict(conn)  # libpq's own parser: a typo is found now, not at connect time
    except Exception as exc:
        masked = _mask_password(conn)
        raise PostgisError(Message(f"无法解析数据库地址 {masked}", f"cannot read the database address {masked}: "
                                                            f"{_one_line(str(exc)).replace(conn, masked)}")) from None
    return PostgisSource(conn, fragment, _mask_password(conn, drop=True))


def with_password(value: "str | PostgisSource", password: str) -> PostgisSource:
    """The same source with `password` in its (secret) conninfo: what a person typed, kept in memory only."""
    from psycopg.conninfo import make_conninfo

    source = parse_source(value)
    if not password:
        return source
    return PostgisSource(make_conninfo(source.conninfo, password=password), source.fragment, source.public)


def password_refused(error: BaseException) -> bool:
    """Whether a connection failed for want of the right password (then a window may ask for one)."""
    return PASSWORD_HINT in str(error)


def public_url(value: "str | PostgisSource") -> str:
    """`value` without its password (for project files and messages)."""
    return parse_source(value).public_url


def _conninfo_dict(conninfo: str) -> dict:
    from psycopg.conninfo import conninfo_to_dict

    return {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}


def _mask_password(conn: str, drop: bool = False) -> str:
    """The conninfo with the password removed (drop) or replaced by *** (for an error about the text itself)."""
    if conn.lower().startswith(SCHEMES):
        parts = urlsplit(conn)
        netloc = parts.netloc
        if "@" in netloc:
            auth, _, hosts = netloc.rpartition("@")
            user = auth.split(":", 1)[0]
            netloc = f"{user}@{hosts}" if drop or ":" not in auth else f"{user}:{_HIDDEN}@{hosts}"
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
        return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))
    return re.sub(r"\s*password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", "" if drop else f" password={_HIDDEN}", conn).strip()


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    line = " ".join(lines[:2]) if lines else "unknown error"
    line = re.sub(r"^connection failed:\s*", "", line)
    return re.sub(r"\s+", " ", line)[:400]


def _why(exc: BaseException) -> Message:
    """What went wrong connecting, in words a person can act on."""
    text = _one_line(str(exc))
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        return Message("用户名或密码错误", f"{text} {PASSWORD_HINT}")
    if "connection refused" in low or "could not connect" in low or "no route to host" in low:
        return Message("数据库服务器未运行或无法访问", f"the server is not running or not reachable: {text}")
    if "timeout" in low:
        return Message("连接数据库超时", f"no answer from the server within {CONNECT_TIMEOUT_S} s: {text}")
    if "does not exist" in low:
        return Message("数据库或用户不存在", text)
    if "service file" in low or "definition of service" in low:
        return Message("找不到 libpq 服务", f"{text} (PGSERVICEFILE or ~/.pg_service.conf)")
    return Message(text, text)


def connect(source: "str | PostgisSource", *, autocommit: bool = False):
    """An open psycopg connection; any failure is one PostgisError line naming the source, no password."""
    import psycopg

    source = parse_source(source)
    try:
        return psycopg.connect(source.conninfo, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name=APPLICATION_NAME)
    except (psycopg.Error, OSError) as exc:
        why = _why(exc)
        raise PostgisError(Message(f"无法连接 {source.public}：{source.redact(why.zh)}",
                                   f"cannot connect to {source.public}: {source.redact(why.en)}")) from None


def require_postgis(conn, source: PostgisSource) -> str:
    """The PostGIS version of the connected database, or a PostgisError saying it has none."""
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
    if row is None:
        db = source.database or source.public
        raise PostgisError(Message(f"数据库 {db} 未安装 PostGIS 扩展",
                                   f"database {db} has no PostGIS extension (its owner can add it: CREATE EXTENSION postgis)"))
    return str(row[0])


def failure(source: PostgisSource, exc: BaseException, doing: Message) -> PostgisError:
    """A driver error during a query as one line (redacted), saying what was being done."""
    why = source.redact(_one_line(getattr(getattr(exc, "diag", None), "message_primary", None) or str(exc)))
    return PostgisError(Message(f"{doing.zh}失败：{why}", f"{doing.en} failed: {why}"))
