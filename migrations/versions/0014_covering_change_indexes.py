"""covering change indexes: the latest change of many pieces' films and screenings from indexes

Public pages' Last-Modified and the personal and desk calendar feeds' fingerprints read the
latest `updated_at` of the films the pieces cover and of those films' screenings
(`public.services.last_change`, `calendars.feeds._pieces_fingerprint`). With (id, updated_at)
on films and (film_id, updated_at) on screenings that is read from the indexes alone, not from
thousands of rows: 8.9 -> 3.6 ms for the sitemap's 3,000 pieces on the bench database. The
screenings' index on film_id alone is replaced (the new one starts with it).

Revision ID: 0014_covering_change_indexes
Revises: 0013_fingerprint_indexes
Create Date: 2026-12-01 11:54:33

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_covering_change_indexes'
down_revision = '0013_fingerprint_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('films', schema=None) as batch_op:
        batch_op.create_index('ix_films_id_updated', ['id', 'updated_at'], unique=False)

    # The new index first: screenings are never without one on film_id.
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index('ix_screenings_film_updated', ['film_id', 'updated_at'], unique=False)
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_film_id')


def downgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index('ix_screenings_film_id', ['film_id'], unique=False)
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_film_updated')

    with op.batch_alter_table('films', schema=None) as batch_op:
        batch_op.drop_index('ix_films_id_updated')
