"""What must last across restarts, kept in one SQLite file under DATA_DIR."""
