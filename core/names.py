"""Names of collections and aliases: Qdrant's rules, checked once for every API."""

from __future__ import annotations

import re

from vectorizer.errors import BadRequest

_BAD_NAME = re.compile(r'[<>:"/\\|?*\x00]')


def validate_collection_name(name: str) -> None:
    """Qdrant's rules: 1 to 255 characters, none of < > : " / \\ | ? * or NUL."""
    if not name or len(name) > 255 or _BAD_NAME.search(name):
        raise BadRequest(
            f"Wrong input: collection name {name!r} must be 1 to 255 characters and must not "
            'contain < > : " / \\ | ? * or NUL'
        )
