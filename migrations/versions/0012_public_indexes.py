"""public indexes: the public lists read pieces that were ever public from one index

`ix_pieces_public` covers what the festivals index, the hubs, the Atom feeds, the sitemap and
their Last-Modified read of every piece that was ever public (coverage.public.services): a
desk keeps years of pieces whose rows carry their bodies, and these pages read none of them.

Revision ID: 0012_public_indexes
Revises: 0011_desk_indexes
Create Date: 2026-12-01 01:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_public_indexes'
down_revision = '0011_desk_indexes'
branch_labels = None
depends_on = None

COLUMNS = [
    'festival_id',
    'published_revision_number',
    'state',
    'published_at',
    'first_published_at',
    'updated_at',
    'embargo_at',
    'film_id',
    'writer_id',
    'kind',
    'slug',
    'id',
]


def upgrade():
    with op.batch_alter_table('pieces', schema=None) as batch_op:
        batch_op.create_index('ix_pieces_public', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('pieces', schema=None) as batch_op:
        batch_op.drop_index('ix_pieces_public')
