"""desk indexes: the desk's counts and My work's inbox read indexes, not pieces

`ix_pieces_waiting`: the top bar's counts (filed, overdue) on every desk page and the inbox's
sections select pieces by state, overdue ones by due time, and order them by festival, from the
index alone (a piece's row carries its body). `ix_transitions_piece_state_at`: the step that
brought each waiting piece into its state (the latest into that state).

Revision ID: 0011_desk_indexes
Revises: 0010_feed_bodies
Create Date: 2026-12-01 00:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_desk_indexes'
down_revision = '0010_feed_bodies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pieces', schema=None) as batch_op:
        batch_op.create_index(
            'ix_pieces_waiting', ['state', 'due_at', 'festival_id', 'editor_id'], unique=False
        )
    with op.batch_alter_table('transitions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_transitions_piece_state_at', ['piece_id', 'to_state', 'created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_transitions_piece_state_at')
    with op.batch_alter_table('pieces', schema=None) as batch_op:
        batch_op.drop_index('ix_pieces_waiting')
