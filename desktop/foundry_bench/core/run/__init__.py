"""Running a benchmark: the plan and loop, where models are served from, the runtime."""
