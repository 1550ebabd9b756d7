"""Storage: the Database object, the tables and their Alembic migrations."""
