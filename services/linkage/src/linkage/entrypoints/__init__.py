"""Kafka subscribers and HTTP routes: parse, call the service, map errors."""
