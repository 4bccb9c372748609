"""The audit table as it was before migrations existed (version 0.1).

A database written by that version already has the table: it is adopted as it is, with every
record, and only the version is recorded.

Revision ID: audit_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "audit_0001"
down_revision = None
branch_labels = ("audit",)
depends_on = None

# SQLite needs INTEGER for a row-id key; AUTOINCREMENT (sqlite_autoincrement) never reuses the id
# of a purged record, so an id names one record for as long as the log exists.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("audit"):
        return
    op.create_table(
        "audit",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created", sa.Float(precision=53), nullable=False),
        sa.Column("time_utc", sa.Text(), nullable=False),
        sa.Column("interface", sa.Text(), nullable=False),
        sa.Column("question_mode", sa.Text(), nullable=False),
        sa.Column("question", sa.Text()),
        sa.Column("question_sha256", sa.Text()),
        sa.Column("lang", sa.Text(), nullable=False),
        sa.Column("retrieved", sa.Text(), nullable=False),
        sa.Column("cited", sa.Text(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("in_scope_probability", sa.Float(precision=53), nullable=False),
        sa.Column("personal_data", sa.Text(), nullable=False),
        sa.Column("corpus_hash", sa.Text(), nullable=False),
        sa.Column("index_generation", sa.Text(), nullable=False),
        sa.Column("embedder", sa.Text(), nullable=False),
        sa.Column("llm_model", sa.Text(), nullable=False),
        sa.Column("app_version", sa.Text(), nullable=False),
        sa.Column("total_ms", sa.Float(precision=53), nullable=False),
        sa.Column("transcript", sa.Text()),
        sqlite_autoincrement=True,
    )
    op.create_index("audit_created", "audit", ["created"])


def downgrade() -> None:
    op.drop_index("audit_created", table_name="audit")
    op.drop_table("audit")
