"""``foundry-bench --self-test``: drives the real window through its main path."""
