"""The Settings and About dialogs."""
