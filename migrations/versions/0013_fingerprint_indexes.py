"""fingerprint indexes: the public pages' fingerprint reads the latest change of each table

Public pages are served as built while their fingerprint (coverage.public.services
`public_fingerprint`: the latest `updated_at` and the row count of the published pieces,
films, screenings, festivals and users) is unchanged. These indexes make the latest change a
look at an index's end (films, screenings) or a short range (pieces ever made public), on
every public request.

Revision ID: 0013_fingerprint_indexes
Revises: 0012_public_indexes
Create Date: 2026-12-01 07:02:52

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_fingerprint_indexes'
down_revision = '0012_public_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('films', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_films_updated_at'), ['updated_at'], unique=False)

    with op.batch_alter_table('pieces', schema=None) as batch_op:
        batch_op.create_index(
            'ix_pieces_published_updated', ['published_revision_number', 'updated_at'], unique=False
        )

    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_screenings_updated_at'), ['updated_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screenings_updated_at'))

    with op.batch_alter_table('pieces', schema=None) as batch_op:
        batch_op.drop_index('ix_pieces_published_updated')

    with op.batch_alter_table('films', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_films_updated_at'))
