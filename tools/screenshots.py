"""Screenshots of every view, in a light and a dark palette, for docs/screenshots/.

Run it under Xvfb so Qt renders through the real xcb platform, as a user sees it:

    xvfb-run -a -s "-screen 0 1600x1000x24" python tools/screenshots.py docs/screenshots

It uses a throw-away FOUNDRY_BENCH_HOME and offline mode, registers the demo model, loads it
and streams one "Try it" reply so the Models page shows real state.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget

import shots


def main(argv: list[str] | None = None) -> int:
    args = shots.parser(__doc__).parse_args(argv)
    app, window, ctx = shots.open_window(args)

    from foundry_bench.core.run.runtime import DEMO_MODEL_ID
    from foundry_bench.ui.main_window import PAGES

    view = window.models_view
    ctx.wait_until(lambda: view.catalog_state is not None and not view.listing, "the model list")
    if view.model.row(DEMO_MODEL_ID) is not None:
        view.select(DEMO_MODEL_ID)
        view.load_action.trigger()
        ctx.wait_until(lambda: bool(view.model.row(DEMO_MODEL_ID).entry.loaded), "load")
        replies: list[object] = []
        view.try_it.reply_finished.connect(replies.append)
        view.try_it.prompt.setText("Tell me about the sea.")
        view.try_it.send()
        ctx.wait_until(lambda: bool(replies), "the reply")

    # A real run of the demo model, so the Reports page shows a recommendation table.
    shots.demo_run(window, ctx, "screenshot-run")

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = args.out / f"{name}.png"
        widget.grab().save(str(path), "PNG")
        print(f"{path}  {path.stat().st_size // 1024} KB")

    for palette in ("light", "dark"):
        window.set_palette(palette)
        for page in PAGES:
            window.show_page(page)
            save(window, f"{page.lower()}-{palette}")
        window.show_page("Models")
        settings = window.open_settings()
        save(settings, f"settings-{palette}")
        settings.reject()
        about = window.open_about()
        ctx.wait_until(lambda about=about: about.table.rowCount() > 0, "versions")
        save(about, f"about-{palette}")
        about.close()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
