"""Deadlines as data: calendar, policies, per-case clocks, KPIs and delay analysis (DESIGN §4)."""
