"""the durable inbox: acknowledged work on record before the ack, and the router's kept replies

Revision ID: 0013_inbox
Revises: 0002
Create Date: 2026-12-03 21:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import bot.store.tables.sales


revision = '0013_inbox'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=191), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', bot.store.tables.sales.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_at', bot.store.tables.sales.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', bot.store.tables.sales.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', bot.store.tables.sales.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_due', ['status', 'not_before'], unique=False)
    with op.batch_alter_table('inboundevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replies', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inboundevent', schema=None) as batch_op:
        batch_op.drop_column('replies')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_due')
    op.drop_table('inbox')
