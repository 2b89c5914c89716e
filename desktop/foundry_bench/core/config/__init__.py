"""The config files a benchmark is made of: models.json, prompts.json, rubric.json."""
