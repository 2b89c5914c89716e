"""Importing open models (Hugging Face folders, GGUF files) as Foundry Local models.

``sources`` tells what a SOURCE is from its headers, ``requirements`` checks the tools, disk
and memory before anything starts, ``conversion`` runs the conversion script (``child``) in a
separate process with progress and cancel, and ``importer`` puts it together: convert into a
hidden staging folder, move it into the app's model folder, then register it.
"""
