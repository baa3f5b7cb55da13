"""Custody chains (办理链条) and what follows from them: custody segments, blame attribution
(责任倒查), buck-passing (推诿), process mining of the event log and the effect of urging
(催办/督办). Public entry points are re-exported from :mod:`workbench`."""
