"""What every page uses: workers, notifier, log panel, palette, settings store, table models."""
