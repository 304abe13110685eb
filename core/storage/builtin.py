"""Registers the built-in storage backends."""
