"""Exporters: a Network becomes an artefact (``onnx``, ``json_spec``, ``torch``) and, where it reads, back."""
