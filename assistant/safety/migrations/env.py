"""Alembic's environment for the audit and feedback tables (see assistant/safety/database.py).

Migrations always run on a connection the application opened (and locked), passed in
``config.attributes``; there is no ``alembic.ini`` and no URL here.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    version_table=context.config.attributes["version_table"],
    # SQLite cannot alter most of a table in place; batch operations copy it within the
    # transaction instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
