"""Checking equivalence: tolerances and comparison (``verify``), self-verifying reference rows
(``selfcheck``, ``selfcheck_rows``) and synthetic rows near decision boundaries (``synthetic``)."""
