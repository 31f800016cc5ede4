"""Exporters: a Network becomes an artefact (``onnx``, ``json_spec``) and, where it reads, back."""
