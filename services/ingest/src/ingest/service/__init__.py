"""Use cases: one function per command or event; raises domain errors."""
