"""Column types shared by every table: aware UTC datetimes and str Enums stored as text."""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import Column, DateTime, String, TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class EnumText(TypeDecorator):
    """A str Enum stored as its plain value (no database enum type to migrate), loaded as the Enum."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum_cls, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enum_cls = enum_cls

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_cls(value)


def _ts(**kw):
    return Field(sa_column=Column(UTCDateTime(), **kw))
