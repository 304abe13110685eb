"""The Qdrant REST endpoints, one module per resource: `collections` (collections,
aliases, payload field indexes), `points` (writes, get, scroll, count), `search` (query,
search, recommend, discover, facet, distance matrix), `snapshots`, `service` (root,
health, telemetry, metrics, locks, issues, cluster) and `unimplemented` (501 for the rest
of the spec); `base` is how an endpoint is written."""
