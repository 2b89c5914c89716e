"""One timed request against an OpenAI-compatible endpoint: client, socket layer, stream parsing."""
