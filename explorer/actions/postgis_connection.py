"""The connection part of the PostGIS dialogs: an address (or libpq service name) and a masked password.

The password lives only in the password field and in the `PostgisSource` handed to the engine
(`conninfo`, in memory); what is shown, remembered in QSettings or saved in a project is
`PostgisSource.public`, which never holds it.  An address typed with `user:pass@` has the password
moved into the masked field at once, so it is never on screen in clear text either.
"""
from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from explorer import i18n
from geodata.core.message import Message

ADDRESS = Message("数据库地址", "Database")
ADDRESS_HINT = Message("postgresql://用户@主机:5432/数据库 或 服务名", "postgresql://user@host:5432/db or a service name")
ADDRESS_TIP = Message("PostgreSQL 地址，或 libpq 服务文件（~/.pg_service.conf）中的服务名",
                      "A PostgreSQL address, or the name of an entry in the libpq service file (~/.pg_service.conf)")
PASSWORD = Message("密码", "Password")
PASSWORD_HINT = Message("留空则用 PGPASSWORD / ~/.pgpass", "empty: PGPASSWORD or ~/.pgpass")
PASSWORD_TIP = Message("密码只在本次会话的内存中，不保存到设置或项目文件",
                       "The password is kept in memory for this session only, never in the settings or a project file")
NO_ADDRESS = Message("请填写数据库地址或服务名", "Enter a database address or a service name")
SETTINGS_KEY = "postgis/connection"  # the last address, without its password


def address_text(text: str) -> str:
    """What the user typed as libpq wants it: a bare service name becomes `service=NAME`."""
    from geodata.io.postgis_source import is_postgis_source

    text = text.strip()
    if text and not is_postgis_source(text) and "=" not in text and "/" not in text and " " not in text:
        return f"service={text}"
    return text


def source_for(address: str, password: str = "", fragment: str = ""):
    """A `PostgisSource` for `address` with `password` added to its (secret) conninfo; PostgisError if malformed."""
    from geodata.io.postgis_source import PostgisError, parse_source, with_password

    text = address_text(address)
    if not text:
        raise PostgisError(NO_ADDRESS)
    source = with_password(parse_source(text), password)
    return source.with_fragment(fragment) if fragment else source


class ConnectionForm(QWidget):
    """Address and password rows; `source()` gives what to connect with, `public()` what may be shown."""

    def __init__(self, parent: QWidget | None = None, settings=None) -> None:
        super().__init__(parent)
        self.address = QLineEdit()
        self.address.setObjectName("postgis_address")
        self.address.setMinimumWidth(360)
        self.password = QLineEdit()
        self.password.setObjectName("postgis_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.address.editingFinished.connect(self.take_password_from_address)
        self._labels: list = []
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, field in ((ADDRESS, self.address), (PASSWORD, self.password)):
            layout.addRow(i18n.ui(text), field)
            self._labels.append((layout.labelForField(field), text))
        if settings is not None:
            self.address.setText(str(settings.value(SETTINGS_KEY, "", type=str) or ""))
        self.retranslate()

    def retranslate(self) -> None:
        for label, text in self._labels:
            label.setText(i18n.ui(text))
        self.address.setPlaceholderText(i18n.ui(ADDRESS_HINT))
        self.address.setToolTip(i18n.ui(ADDRESS_TIP))
        self.password.setPlaceholderText(i18n.ui(PASSWORD_HINT))
        self.password.setToolTip(i18n.ui(PASSWORD_TIP))

    def take_password_from_address(self) -> None:
        """`postgresql://u:secret@…` typed or pasted: the secret goes to the masked field, the address loses it."""
        from geodata.io.postgis_source import PostgisError, parse_source

        try:
            text = address_text(self.address.text())
            if not text:
                return
            source = parse_source(text)
        except PostgisError:
            return  # Connect reports it
        secret = _password_of(source.conninfo)
        if secret:
            self.password.setText(secret)
            self.address.setText(source.public_url)

    def source(self, fragment: str = ""):
        self.take_password_from_address()
        return source_for(self.address.text(), self.password.text(), fragment)

    def remember(self, settings) -> None:
        """Keep the address (never the password) for next time."""
        if settings is None:
            return
        try:
            settings.setValue(SETTINGS_KEY, self.source().public_url)
        except Exception:  # a malformed address is not remembered
            pass


def _password_of(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return str(conninfo_to_dict(conninfo).get("password") or "")
    except Exception:
        return ""
