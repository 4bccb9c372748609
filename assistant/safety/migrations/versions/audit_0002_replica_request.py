"""Which replica wrote a record, and the request it answered.

``replica`` tells apart the servers that share one database. ``request_key`` is a hash of the id
the reverse proxy gives a request together with the question: when the proxy retries a request
on another replica after the first died mid-answer, the second record of the same request is not
written, so the log holds one record per answer given (a reused id with another question is a
new key, so an id can never hide a question). Existing records keep everything, with an empty
replica.

Revision ID: audit_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("replica", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("request_key", sa.Text()))
    # Unique among non-empty ids: NULLs never collide, in SQLite and PostgreSQL alike.
    op.create_index("audit_request_key", "audit", ["request_key"], unique=True)


def downgrade() -> None:
    op.drop_index("audit_request_key", table_name="audit")
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("request_key")
        batch.drop_column("replica")
