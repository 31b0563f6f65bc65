"""Tables (private to this service), store functions and publishers."""
