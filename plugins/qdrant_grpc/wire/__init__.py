"""Qdrant's protobuf messages <-> the core's domain types, by concept as in the REST
plugin: `values` (point ids, payload values), `vectors`, `points`, `search`,
`collections` (with `config_parts`: enum tables, config diffs, quantization, strict
mode), `filters`; `errors` (domain errors -> status codes) and `unknown` (fields
set by a newer client)."""
