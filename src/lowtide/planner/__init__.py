"""Planning the lulls: the HiGHS solver, and the plan as calendar events."""
