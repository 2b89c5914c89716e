"""Child process for test_crash_safety: the real window runs a long benchmark (to be killed).

argv: the OpenAI-compatible base URL of the scripted server, the model name to benchmark.
Prints "started" once the run is going; the parent kills this process with SIGKILL.
"""

import sys

from PySide6.QtCore import QTimer

from foundry_bench.ui.app import build_window, create_application
from foundry_bench.ui.benchmark.page import BenchmarkPage

model = sys.argv[2]
app = create_application()
window = build_window(app)
window.show()
window.start()
page = window.show_page("Benchmark")
assert isinstance(page, BenchmarkPage)


def start() -> None:
    setup = page.setup
    if not any(r.id == model for r in setup.models.rows()) or setup.prompts.model.rowCount() == 0:
        QTimer.singleShot(50, start)
        return
    setup.models.check_only([model])
    setup.form.rounds.setValue(1000)
    setup.form.warmup.setValue(0)
    if not page.start_run():
        print("could not start: " + "; ".join(setup.problems()), flush=True)
        app.exit(3)
        return
    print("started", flush=True)


QTimer.singleShot(0, start)
sys.exit(app.exec())
