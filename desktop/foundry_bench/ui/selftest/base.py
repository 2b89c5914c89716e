"""Self-test steps of the window itself and the Models page; they run first."""

from __future__ import annotations

from foundry_bench.core.paths import demo_model_dir
from foundry_bench.core.run.runtime import DEMO_MODEL_ID
from foundry_bench.core.units import fmt_seconds
from foundry_bench.ui.main_window import PAGES
from foundry_bench.ui.selftest.context import SelfTestContext, SelfTestFailure, Step

PROMPT = "Tell me about the sea."


def step_window(ctx: SelfTestContext) -> None:
    if not ctx.window.isVisible():
        raise SelfTestFailure("the main window is not visible")
    if not (demo_model_dir() / "genai_config.json").is_file():
        raise SelfTestFailure(f"the demo model is missing ({demo_model_dir()})")
    view = ctx.window.models_view
    ctx.wait_until(lambda: view.runtime_url is not None, "the runtime to start")
    ctx.say(f"  runtime serving at {view.runtime_url}")


def step_models_listed(ctx: SelfTestContext) -> None:
    view = ctx.window.models_view
    ctx.wait_until(lambda: view.model.row(DEMO_MODEL_ID) is not None, "the demo model row")
    ctx.wait_until(lambda: view.catalog_state is not None and not view.listing, "the lists")
    ctx.say(f"  {len(view.model.rows())} model(s) listed")


def step_load(ctx: SelfTestContext) -> None:
    view = ctx.window.models_view
    if not view.select(DEMO_MODEL_ID):
        raise SelfTestFailure("cannot select the demo model")
    if not view.load_action.isEnabled():
        row = view.model.row(DEMO_MODEL_ID)
        if not (row and row.entry.loaded):
            raise SelfTestFailure("Load is disabled for the demo model")
    view.load_action.trigger()
    ctx.wait_until(lambda: _loaded(ctx) is True, "the demo model to load")
    row = view.model.row(DEMO_MODEL_ID)
    load_time = fmt_seconds(row.load_time_s) if row else "?"
    ctx.say(f"  {DEMO_MODEL_ID} loaded in {load_time}")


def step_try_it(ctx: SelfTestContext) -> None:
    panel = ctx.window.models_view.try_it
    replies: list[object] = []
    panel.reply_finished.connect(replies.append)
    panel.prompt.setText(PROMPT)
    ctx.wait_until(panel.send_button.isEnabled, "the Send button")
    panel.send_button.click()
    ctx.wait_until(lambda: bool(replies), "the streamed reply")
    text = panel.output.toPlainText()
    if not text.strip():
        raise SelfTestFailure("the reply is empty")
    preview = " ".join(text.split())[:60]
    ctx.say(f"  reply ({len(text)} chars): {preview!r}")


def step_unload(ctx: SelfTestContext) -> None:
    view = ctx.window.models_view
    view.select(DEMO_MODEL_ID)
    ctx.wait_until(view.unload_action.isEnabled, "the Unload action")
    view.unload_action.trigger()
    ctx.wait_until(lambda: _loaded(ctx) is False, "the demo model to unload")


def step_pages(ctx: SelfTestContext) -> None:
    for name in PAGES:
        page = ctx.window.show_page(name)
        ctx.app.processEvents()
        if not page.isVisible():
            raise SelfTestFailure(f"the {name} page does not show")
    ctx.window.show_page("Models")


def _loaded(ctx: SelfTestContext) -> bool | None:
    row = ctx.window.models_view.model.row(DEMO_MODEL_ID)
    if row is None or row.busy:
        return None
    return row.entry.loaded


STEPS: list[tuple[str, Step]] = [
    ("open the window", step_window),
    ("list models", step_models_listed),
    ("load the demo model", step_load),
    ("try it: stream a reply", step_try_it),
    ("unload the demo model", step_unload),
    ("show every page", step_pages),
]
