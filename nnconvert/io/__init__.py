"""Reading what users bring: models (safe loading, ``loading`` + ``allowlist``), the files every
command reads (``sources``) and datasets (``data``)."""
