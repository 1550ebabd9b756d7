"""admin rights from the setting, and managers who sell

`person.role` holds a person's own role only (rep or manager); admin rights come from PACEBOT_ADMINS each
time. People written as `admin` by earlier versions become managers. `person.sells` marks a manager who
also sells; managers (and former admins) who have logged calls or deals are taken to sell, as earlier
versions counted them whenever they had numbers.

Revision ID: 0015_roles
Revises: 0014_directory
Create Date: 2026-12-04 22:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_roles'
down_revision = '0014_directory'
branch_labels = None
depends_on = None

person = sa.table('person', sa.column('id', sa.Integer), sa.column('role', sa.String), sa.column('sells', sa.Boolean))
activity = sa.table('activity', sa.column('person_id', sa.Integer))
deal = sa.table('deal', sa.column('person_id', sa.Integer))


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite would otherwise rebuild `person`, which every other table points at.
    op.add_column('person', sa.Column('sells', sa.Boolean(), nullable=False, server_default=sa.false()))
    has_numbers = sa.or_(sa.exists().where(activity.c.person_id == person.c.id),
                         sa.exists().where(deal.c.person_id == person.c.id))
    op.execute(person.update().where(person.c.role.in_(('admin', 'manager')), has_numbers).values(sells=True))
    op.execute(person.update().where(person.c.role == 'admin').values(role='manager'))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('sells')
