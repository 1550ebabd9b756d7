"""The tables, one module per feature. Importing this package registers every table on SQLModel's
metadata, which Alembic's autogenerate and `create_all` need complete."""

from bot.store.tables import dashboard, dingtalk, forms, plan, sales, schedule, wecom  # noqa: F401
