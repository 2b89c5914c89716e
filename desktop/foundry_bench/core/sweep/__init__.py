"""Workload sweeps (llama-bench's -p/-n/-d sweeps, guidellm's profiles): a grid of prompt
sizes, output lengths, context depths and concurrency run as one benchmark run.

``grid`` (the points), ``synthetic`` (filler prompts calibrated from the server's usage
counts), ``context`` (probing the largest prompt a model really accepts), ``plan`` (the
sweep as a ``RunPlan``), ``analysis`` (fits and series for tables, charts and reports).
"""
