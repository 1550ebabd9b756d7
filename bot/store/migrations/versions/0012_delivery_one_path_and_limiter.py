"""delivery: private outbox rows with their origin, and the shared limiter's send log

Revision ID: 0012_delivery
Revises: 0006_schedule
Create Date: 2026-12-03 21:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import bot.store.columns


revision = '0012_delivery'
down_revision = '0006_schedule'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('private', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('origin', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('sendlog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('bucket', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('at', bot.store.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sendlog', schema=None) as batch_op:
        batch_op.create_index('ix_sendlog_bucket_at', ['platform', 'bucket', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sendlog', schema=None) as batch_op:
        batch_op.drop_index('ix_sendlog_bucket_at')
    op.drop_table('sendlog')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('parts_sent')
        batch_op.drop_column('origin')
        batch_op.drop_column('private')
