"""Screenshots of the Quality page with a real demo-model run, light and dark palettes.

Run it under Xvfb so Qt renders through the real xcb platform, as a user sees it:

    xvfb-run -a -s "-screen 0 1600x1000x24" python tools/screenshot_quality.py docs/screenshots

It uses a throw-away FOUNDRY_BENCH_HOME and offline mode, benchmarks the bundled demo model on
the example prompts (the same engine as ``foundry-bench run``), scores a few answers with key
presses as a user would, and saves ``quality-light.png`` (scoring, blind) and
``quality-dark.png`` (results: means with CIs and quality against latency).
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget

import shots


def main(argv: list[str] | None = None) -> int:
    args = shots.parser(__doc__).parse_args(argv)
    app, window, ctx = shots.open_window(args)

    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    from foundry_bench.core.run.runtime import DEMO_MODEL_ID
    from foundry_bench.ui.quality.page import QualityPage

    view = window.models_view
    ctx.wait_until(lambda: view.model.row(DEMO_MODEL_ID) is not None, "the demo model")
    shots.demo_run(window, ctx, "demo-run", rounds=3, max_tokens=64)
    page = window.show_page("Quality")
    assert isinstance(page, QualityPage)
    ctx.wait_until(lambda: page.session.ready, "the run's scores read (in a worker)", timeout_s=30)
    page.session.set_annotator("dana")
    page.annotator.setText("dana")

    def key(*keys: Qt.Key) -> None:
        for k in keys:
            app.sendEvent(
                page.scoring, QKeyEvent(QEvent.Type.KeyPress, k, Qt.KeyboardModifier.NoModifier)
            )

    # Score a few answers fully, as a person would, then stop mid-way through one.
    scores = "4 3 4 3 2 3  3 3 4 4 1 2 2  2 3 3 4 2  4 4 3 3 3 4 2 3  3 2 4 3 1 2"
    for ch in scores.replace(" ", ""):
        key(getattr(Qt.Key, f"Key_{ch}"))
    key(Qt.Key.Key_3, Qt.Key.Key_4)

    def settle() -> None:
        for _ in range(8):
            app.processEvents()

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = args.out / f"{name}.png"
        widget.grab().save(str(path), "PNG")
        print(f"{path}  {path.stat().st_size // 1024} KB")

    # The log panel is the other screenshots' business; here the page gets the room.
    window.log_dock.hide()
    window.set_palette("light")
    page.tabs.setCurrentIndex(0)
    save(window, "quality-light")
    window.set_palette("dark")
    page.blind_box.setChecked(False)
    page.tabs.setCurrentIndex(2)
    ctx.wait_until(lambda: bool(page.scatter.data), "the results", timeout_s=30)
    save(window, "quality-dark")
    page.blind_box.setChecked(True)
    page.tabs.setCurrentIndex(0)
    window.log_dock.show()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
