"""JSON network spec: a Network <-> a versioned, human-readable JSON document.

``write`` renders a network (and optional embedded references) as JSON; ``read`` checks and
parses a spec's parts back. The format is described by ``nnconvert/schema/network.schema.json``.
"""

from nnconvert.exporters.json_spec.write import FORMAT, VERSION, dumps, from_json, read_references, schema, to_json

__all__ = ["FORMAT", "VERSION", "dumps", "from_json", "read_references", "schema", "to_json"]
