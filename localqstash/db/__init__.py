"""SQL operations: plain functions of a `sqlite3.Connection`, run by `Store.run`."""
