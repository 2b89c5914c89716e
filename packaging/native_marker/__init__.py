"""Stand-in for ``onnxruntime`` and ``onnxruntime_genai_core`` inside the frozen app.

The Foundry Local SDK finds the ONNX Runtime and GenAI shared libraries by asking
``importlib.util.find_spec`` where those Python packages live and looking in their
``capi/`` and ``bin/`` folders. The app never uses their Python APIs, so the spec ships only
the shared libraries plus this file as each package's ``__init__.py``: ``find_spec`` then
points at the folder holding the libraries, and the 30 MB onnxruntime Python extension is
left out. Importing it is a packaging mistake, so it says so.
"""

raise ImportError(
    "the frozen Foundry Local Bench ships only ONNX Runtime's native libraries, not its "
    "Python API; bundle the real package in packaging/foundry-bench.spec to import it"
)
