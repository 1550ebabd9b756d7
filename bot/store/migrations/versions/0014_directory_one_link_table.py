"""one directory link table for every platform

Moves the WeCom (`wecom_department`) and DingTalk (`dingtalk_department`) department links into
`directorylink` (platform, kind, external_id -> local_id) and drops the two old tables.

Revision ID: 0014_directory
Revises: 0004_wecom, 0005_dingtalk
Create Date: 2026-12-03 21:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_directory'
down_revision = ('0004_wecom', '0005_dingtalk')
branch_labels = None
depends_on = None

link = sa.table('directorylink', sa.column('platform', sa.String), sa.column('kind', sa.String),
                sa.column('external_id', sa.String), sa.column('local_id', sa.Integer))
wecom = sa.table('wecom_department', sa.column('dept_id', sa.Integer), sa.column('team_id', sa.Integer),
                 sa.column('name', sa.String))
dingtalk = sa.table('dingtalk_department', sa.column('dept_id', sa.BigInteger), sa.column('team_id', sa.Integer))


def upgrade() -> None:
    op.create_table('directorylink',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('local_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'kind', 'external_id')
    )
    op.create_index('ix_directorylink_local', 'directorylink', ['platform', 'kind', 'local_id'], unique=False)
    connection = op.get_bind()
    rows = [{"platform": "wecom", "kind": "department", "external_id": str(r.dept_id), "local_id": r.team_id}
            for r in connection.execute(sa.select(wecom.c.dept_id, wecom.c.team_id))]
    rows += [{"platform": "dingtalk", "kind": "department", "external_id": str(r.dept_id), "local_id": r.team_id}
             for r in connection.execute(sa.select(dingtalk.c.dept_id, dingtalk.c.team_id))]
    if rows:
        op.bulk_insert(link, rows)
    with op.batch_alter_table('dingtalk_department', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dingtalk_department_team_id'))
    op.drop_table('dingtalk_department')
    op.drop_table('wecom_department')


def downgrade() -> None:
    op.create_table('wecom_department',
    sa.Column('dept_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('dept_id'),
    sa.UniqueConstraint('team_id')
    )
    op.create_table('dingtalk_department',
    sa.Column('dept_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('dept_id')
    )
    with op.batch_alter_table('dingtalk_department', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dingtalk_department_team_id'), ['team_id'], unique=False)
    connection = op.get_bind()
    team = sa.table('team', sa.column('id', sa.Integer), sa.column('name', sa.String))
    found = connection.execute(
        sa.select(link.c.platform, link.c.external_id, link.c.local_id, team.c.name)
        .join(team, team.c.id == link.c.local_id).where(link.c.kind == "department")).all()
    wecom_rows = [{"dept_id": int(r.external_id), "team_id": r.local_id, "name": r.name[:80]}
                  for r in found if r.platform == "wecom"]
    dingtalk_rows = [{"dept_id": int(r.external_id), "team_id": r.local_id} for r in found if r.platform == "dingtalk"]
    if wecom_rows:
        op.bulk_insert(wecom, wecom_rows)
    if dingtalk_rows:
        op.bulk_insert(dingtalk, dingtalk_rows)
    op.drop_index('ix_directorylink_local', table_name='directorylink')
    op.drop_table('directorylink')
