"""The tables, one module per feature. Importing this package registers every table on SQLModel's
metadata, which Alembic's autogenerate and `create_all` need complete."""

from bot.store.tables import audit, dashboard, dingtalk, directory, forms, plan, sales, schedule  # noqa: F401
