"""Alembic environment. ``Store.migrate`` runs the migrations on its own connection, inside one
transaction that holds a lock for the run; the ``alembic`` command line works too
(``alembic -x url=sqlite:///data/claimcheck.db upgrade head``) and runs each migration in a
transaction of its own."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from annotations.schema import metadata

config = context.config


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database: alembic -x url=<SQLAlchemy URL> upgrade head")
    with create_engine(url).connect() as conn:
        run(conn)
        conn.commit()
