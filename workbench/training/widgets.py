"""The question widgets of a study (答题卡): per question its text, an answer box (a text box, or
a list for choice questions), 检查 (check), 提示 (hints, one at a time) and the feedback.

Widgets only wire events to :meth:`Study.check` and :meth:`Study.hint`; nothing is computed
here. In a saved page (no kernel) the card shows the questions as text and how to answer them.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..i18n import text

if TYPE_CHECKING:
    from .session import Study

__all__ = ["Quiz"]

_COLOURS = {True: "#1a7f37", False: "#b42318", None: "#6b7280"}


def _feedback_html(message: str, correct: bool | None) -> str:
    return f'<div style="color:{_COLOURS[correct]};font-weight:600">{html.escape(message)}</div>'


def _hints_html(hints: list[str]) -> str:
    if not hints:
        return ""
    items = "".join(f"<li>{html.escape(h)}</li>" for h in hints)
    return f'<ul style="margin:2px 0 0 0;color:#374151">{items}</ul>'


class Quiz:
    """Answer cards for some questions of a study (``study.ask()``)."""

    def __init__(self, study: Study, qids: list[str]):
        for q in qids:
            study.spec.question(q)  # unknown question: a clear error now, not on a click
        self.study = study
        self.qids = qids
        self._box: Any = None

    def _number(self, qid: str) -> int:
        return [q.id for q in self.study.questions].index(qid) + 1

    def _card(self, qid: str):
        import ipywidgets as w

        s, lg = self.study, self.study.language
        q = s.spec.question(qid)
        title = w.HTML(f"<b>{html.escape(text('training.q', lg, n=self._number(qid)))}</b>　"
                       f"{html.escape(s.prompt(qid))}", layout=w.Layout(width="100%"))
        answer: Any
        if q.kind == "choice":
            answer = w.Dropdown(options=[(text("training.choose", lg), None), *q.choices(lg)], value=None,
                                layout=w.Layout(width="640px"))
        else:
            answer = w.Text(placeholder=text("training.placeholder", lg), layout=w.Layout(width="420px"))
        check = w.Button(description=text("training.check", lg), button_style="primary", layout=w.Layout(width="90px"))
        hint = w.Button(description=text("training.hint", lg), layout=w.Layout(width="90px"))
        feedback = w.HTML()
        hints = w.HTML(_hints_html(s.hints_shown(qid)))
        if s._state[qid].correct:
            feedback.value = _feedback_html(text("training.correct_again", lg), True)

        def on_check(_: Any) -> None:
            fb = s.check(qid, answer.value, hint=False)
            extra = "" if fb.correct or not fb.counted else " " + text("training.more_hints", lg, q=qid)
            feedback.value = _feedback_html(fb.message + (extra if fb.hints_left else ""),
                                            fb.correct if fb.counted or fb.correct else None)

        def on_hint(_: Any) -> None:
            if s.hint(qid) is None:
                feedback.value = _feedback_html(text("training.no_more_hints", lg), None)
            hints.value = _hints_html(s.hints_shown(qid))

        check.on_click(on_check)
        hint.on_click(on_hint)
        return w.VBox([title, w.HBox([answer, check, hint]), feedback, hints],
                      layout=w.Layout(border="1px solid #d0d7de", padding="6px 10px", margin="4px 0"))

    def widget(self):
        """The cards as one ipywidgets box (built on first use)."""
        if self._box is None:
            import ipywidgets as w

            self._box = w.VBox([self._card(q) for q in self.qids])
        return self._box

    def static_html(self) -> str:
        """The questions as a saved page shows them, with how to answer them there."""
        s, lg = self.study, self.study.language
        parts = []
        for qid in self.qids:
            q = s.spec.question(qid)
            opts = "".join(f"<li>{html.escape(label)}</li>" for label, _ in q.choices(lg)) if q.options else ""
            parts.append(
                f'<div style="border:1px solid #d0d7de;padding:6px 10px;margin:4px 0">'
                f"<b>{html.escape(text('training.q', lg, n=self._number(qid)))}</b>　{html.escape(s.prompt(qid))}"
                + (f'<ul style="margin:4px 0">{opts}</ul>' if opts else "")
                + f'<div style="color:#6b7280;font-size:90%">{html.escape(text("training.static", lg, q=qid))}</div>'
                "</div>")
        return "".join(parts)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = "\n".join(f"{qid}: {self.study.prompt(qid)}" for qid in self.qids)
        return bundle

    def __repr__(self) -> str:
        return f"Quiz(study={self.study.id!r}, questions={self.qids!r})"
