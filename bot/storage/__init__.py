"""SQLite storage: the connection, numbered migrations, and one module per table family."""
