"""Showing a network to a person: ``inspection`` (facts), ``explain`` (words and formulas) and
``draw`` (layout, with the SVG/PNG/DOT writers in ``draw_writers``) and the interactive HTML
``page`` (with its JavaScript runtime ``page.js``)."""
