"""The feedback table as it was before migrations existed (version 0.1); adopted if present.

Revision ID: feedback_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "feedback_0001"
down_revision = None
branch_labels = ("feedback",)
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("feedback"):
        return
    op.create_table(
        "feedback",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created", sa.Float(precision=53), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("lang", sa.Text(), nullable=False),
        sa.Column("section_ids", sa.Text(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("history", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("answer", sa.Text()),
        sa.CheckConstraint("rating IN ('up', 'down', 'wrong_citation')", name="feedback_rating"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("feedback")
