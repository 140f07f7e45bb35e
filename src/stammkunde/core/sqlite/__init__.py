"""Django's SQLite backend with turns at the write lock (``core.write_turns``)."""
