"""the audit trail: who changed what and when

Revision ID: 0016_audit
Revises: 0014_directory
Create Date: 2026-12-04 22:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import bot.store.columns


revision = '0016_audit'
down_revision = '0014_directory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', bot.store.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditentry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditentry_at'))
        batch_op.drop_index(batch_op.f('ix_auditentry_action'))
    op.drop_table('auditentry')
