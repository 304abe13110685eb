"""Qdrant's REST wire format: msgspec Structs and their decoding (`structs`), JSON <->
domain conversion by concept (`values`, `vectors`, `points`, `search`, `collections`,
`filters`), float32 numbers as Qdrant prints them (`numbers`) and errors as Qdrant's error
body (`errors`)."""
