"""The servicers of Qdrant's gRPC services, one module per resource, as in the REST
plugin: `collections` (`qdrant.Collections`), `points` (writes, get, scroll, count),
`search` (search, query, recommend, discover, groups, facet, distance matrix),
`snapshots` (`qdrant.Snapshots`) and `service` (`qdrant.Qdrant`: health check, and the
registration of every service); `base` is how an RPC is written."""
