"""Side by side: two models' answers to the same prompt, scored both or one preferred."""

from __future__ import annotations

from foundry_bench.core.quality.annotations import TIE
from foundry_bench.core.quality.order import Pair
from foundry_bench.core.quality.session_state import ANNOTATIONS_CHANGED, SessionState


class SideBySide(SessionState):
    """The side-by-side actions of a scoring session."""

    def pair_progress(self) -> tuple[int, int]:
        return sum(self._pair_done(p) for p in self.pairs), len(self.pairs)

    def pair_winner_side(self) -> str | None:
        """ "left", "right", "tie" or None, for the current pair as shown."""
        pair, shown = self.current_pair(), self.pair_samples()
        if pair is None or shown is None or self.ann is None:
            return None
        winner = self.ann.preference(pair)
        if winner is None or winner == TIE:
            return winner
        return "left" if shown[0].model == winner else "right"

    def _pair_done(self, pair: Pair) -> bool:
        if self.ann is None:
            return False
        if self.ann.preference(pair) is not None:
            return True
        return self.is_scored(pair.sample_a) and self.is_scored(pair.sample_b)

    def _score_pair(self, value: int | None) -> None:
        shown, crits = self.pair_samples(), self.pair_criteria()
        if self.ann is None or shown is None or not 0 <= self.crit_index < len(crits):
            return
        sample = shown[self.pair_side]
        self._set_group_score(sample.key, crits[self.crit_index].id, value)
        self._remember_position()
        self._save()
        self._notify(ANNOTATIONS_CHANGED)
        if value is not None:
            self._move_pair_criterion(1)

    def _move_pair_criterion(self, delta: int) -> None:
        n = len(self.pair_criteria())
        if not n:
            return
        flat = max(0, min(2 * n - 1, self.pair_side * n + self.crit_index + delta))
        self.pair_side, self.crit_index = divmod(flat, n)
        self._moved()

    def focus_pair_criterion(self, side: int, row: int) -> None:
        self.pair_side, self.crit_index = side, row
        self._moved()

    def prefer(self, side: str | None) -> None:
        """Mark the "left" or "right" answer better, or a "tie"; None clears; then move on."""
        pair, shown = self.current_pair(), self.pair_samples()
        if self.ann is None or pair is None or shown is None:
            return
        winner = {"left": shown[0].model, "right": shown[1].model}.get(side or "", side)
        self.ann.set_preference(pair, winner)
        self._save()
        self._notify(ANNOTATIONS_CHANGED)
        if side is not None:
            self.move_pair(1)

    def move_pair(self, delta: int) -> None:
        if not self.pairs:
            return
        i = self.pair_index
        while 0 <= i + delta < len(self.pairs):
            i += delta
            if not self.unscored_only or not self._pair_done(self.pairs[i]):
                break
        else:
            if self.unscored_only:
                return
        if i != self.pair_index:
            self.pair_index, self.pair_side, self.crit_index = i, 0, 0
            self._moved()
