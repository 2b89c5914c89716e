"""A reasoning model's thinking, kept apart from its answer.

Thinking arrives in one of two ways (docs/design.md, "Metric definitions"):

- in its own delta field, ``delta.reasoning_content`` (Foundry Local, vLLM, DeepSeek) or
  ``delta.reasoning`` (newer vLLM, OpenRouter); ``message.*`` of the same names unstreamed;
- inside ``content``, as ``<think>...</think>`` at the start of the answer (llama.cpp, Ollama
  and others without a reasoning parser).

:class:`Thinking` follows one stream chunk by chunk, so the reader knows which chunk brought
the first answer text (TTFA); :func:`split_tagged` separates the tagged text at the end.
"""

from __future__ import annotations

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

# Where a stream's content is: before we know whether it starts with a <think> tag, inside
# the tag, between the closing tag and the first answer text, or in the answer.
UNDECIDED, IN_TAG, AFTER_TAG, ANSWER = range(4)


class Thinking:
    """What one stream has shown of its thinking so far (the reader calls :meth:`take` for
    each chunk that carries text, except plain answer chunks once ``state`` is ``ANSWER``)."""

    __slots__ = ("_head", "_tail", "chunks", "first_at", "last_at", "state", "tagged", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []  # thinking from the delta fields
        self.chunks = 0  # chunks that carried thinking
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.state = UNDECIDED
        self.tagged = False  # the content opened with <think>
        self._head = ""  # the content so far while UNDECIDED, leading white space dropped
        self._tail = ""  # the last characters inside the tag (a closing tag may be split)

    def take(self, content: str | None, thought: object, now: float) -> bool:
        """Account for one chunk; True when it carries answer text."""
        thinking = False
        if thought:
            if not isinstance(thought, str):
                raise TypeError("reasoning is not a string")
            self.texts.append(thought)
            thinking = True
        answer = False
        if content:
            if self.state == ANSWER:
                answer = True
            else:
                thinking_in_content, answer = self._content(content)
                thinking = thinking or thinking_in_content
        if thinking:
            self.chunks += 1
            if self.first_at is None:
                self.first_at = now
            self.last_at = now
        return answer

    def _content(self, content: str) -> tuple[bool, bool]:
        """(thinking, answer) for a chunk of content while not yet in the answer."""
        if self.state == UNDECIDED:
            self._head = (self._head + content).lstrip()
            if self._head.startswith(OPEN_TAG):
                self.state, self.tagged = IN_TAG, True
                return self._in_tag(self._head[len(OPEN_TAG) :], True)
            if OPEN_TAG.startswith(self._head):
                return False, False  # white space, or a tag that may still be coming
            self.state = ANSWER
            return False, True
        if self.state == IN_TAG:
            return self._in_tag(content, True)
        return self._after_tag(content)

    def _in_tag(self, text: str, thinking: bool) -> tuple[bool, bool]:
        window = self._tail + text
        end = window.find(CLOSE_TAG)
        if end < 0:
            self._tail = window[-len(CLOSE_TAG) :]
            return thinking, False
        self.state = AFTER_TAG
        return thinking, self._after_tag(window[end + len(CLOSE_TAG) :])[1]

    def _after_tag(self, text: str) -> tuple[bool, bool]:
        # The white space after </think> belongs to the tag, not to the answer.
        if text.strip():
            self.state = ANSWER
            return False, True
        return False, False

    def text(self, content: str) -> tuple[str, str]:
        """(reasoning, answer) of the whole stream, given all its content joined."""
        reasoning, answer = split_tagged(content) if self.tagged else ("", content)
        return "".join(self.texts) + reasoning, answer


def split_tagged(content: str) -> tuple[str, str]:
    """(reasoning, answer) of content that may open with ``<think>...</think>``."""
    head = content.lstrip()
    if not head.startswith(OPEN_TAG):
        return "", content
    reasoning, closed, answer = head[len(OPEN_TAG) :].partition(CLOSE_TAG)
    return reasoning, answer.lstrip() if closed else ""
