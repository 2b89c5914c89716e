"""What a run leaves on disk: its records, its settings, its files, and run folders."""
