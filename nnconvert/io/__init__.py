"""Reading what users bring: models (safe loading: ``loading``, ``pickle_vm``, ``skops_reader``,
``objects``/``arrays``/``structures``, ``allowlist``, ``limits``), the files every
command reads (``sources``) and datasets (``data``)."""
