"""Case-study training sessions (案例教学) on the bundled synthetic ledger.

A trainer (培训人员) runs a session for new petition officers: each study tells a story from
the synthetic sample, states its learning goals, asks questions, gives hints one at a time and
checks the answers without giving them away. The expected answers are computed from the loaded
ledger with the workbench's own analyses when an answer is first checked.

    >>> from workbench import training
    >>> training.studies(language="en")["id"].tolist()
    ['01', '02', '03']

In a notebook (role ``trainer``, the bundled sample)::

    study = training.study("01", book)
    study.ask("q1")                 # widgets: answer box, 检查, 提示
    study.check("q1", "甲局、乙局")   # or typed: a Feedback
    study.progress(); study.debrief()

The trainer's answer sheet: ``training.answers("01")`` under the trainer role, or the command
``workbench training answers 01``.
"""

from __future__ import annotations

from .expected import StudyError
from .session import (
    Feedback,
    Progress,
    Question,
    Study,
    StudyLookupError,
    answers,
    default_sample,
    studies,
    study,
)

__all__ = ["Feedback", "Progress", "Question", "Study", "StudyError", "StudyLookupError", "answers",
           "default_sample", "studies", "study"]
