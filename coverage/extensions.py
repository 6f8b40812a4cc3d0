"""Unbound extensions; `create_app` binds them."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session

# Named constraints let Alembic alter and drop them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are declared per view (coverage.security.throttle); counters live in the database.
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")


def _clean_text_before_flush(session, flush_context, instances) -> None:
    """Normalise every string attribute of new and changed rows (see coverage.textclean)."""
    from sqlalchemy import Enum, String, Text, inspect

    from coverage.textclean import clean_line, clean_multiline

    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for column in mapper.columns:
            value = getattr(obj, column.key, None) if column.key in obj.__dict__ else None
            if not isinstance(value, str):
                continue
            column_type = column.type
            impl = getattr(column_type, "impl", column_type)
            if isinstance(impl, Enum):
                continue
            if isinstance(impl, Text) or (isinstance(impl, String) and impl.length is None):
                cleaned = clean_multiline(value)
            elif isinstance(impl, String):
                cleaned = clean_line(value)
            else:
                continue
            if cleaned != value:
                setattr(obj, column.key, cleaned)


event.listen(Session, "before_flush", _clean_text_before_flush)
