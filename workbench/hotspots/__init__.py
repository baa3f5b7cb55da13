"""Hotspots (DESIGN §8): the issue cube (category × region × period), spike alerts against each
series' own history, and hot issues (热点问题) found in the text of the summaries. Public entry
points are re-exported from :mod:`workbench` (``issue_cube``, ``spike_alerts``, ``hot_issues``)."""
