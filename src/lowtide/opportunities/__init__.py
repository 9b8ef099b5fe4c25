"""Importers of opportunities: conference deadlines, calls for talks, writing programmes,
Kaggle competitions, your own CSV/JSON/YAML lists and calendars (see `registry`)."""
