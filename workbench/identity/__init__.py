"""Repeat petitioners (DESIGN §7): petitioner records resolved into persons with the evidence for
every merge, the supervisor's merge/split decisions, repeat and escalation analysis of matters
left unresolved (积案), and the groups that petition together. Public entry points are
re-exported from :mod:`workbench` (``resolve_persons``, ``repeat_matters``, ``petitioner_groups``).

This serves resolving unresolved matters and holding handling units to account, not surveillance
(DESIGN §9): nothing here tracks or predicts where a person goes.
"""
