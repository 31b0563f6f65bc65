"""Pure rules and value types: no I/O, no sqlmodel, no faststream."""
