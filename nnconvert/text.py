"""Text from files, made safe to print: one rule for every message, report, CSV cell and caption.

Names a file carries (feature names, class labels, estimator names, metadata, paths) reach
terminals, spreadsheets and pictures. Two rules keep them inert:

- :func:`printable`: control characters (C0 but newline where kept, DEL, C1), line and
  paragraph separators, zero-width and bidirectional formatting characters are written as
  ``\\xNN`` / ``\\uNNNN`` escapes, so no escape sequence, carriage return or right-to-left
  override reaches the reader.
- :func:`csv_cell`: a text cell that a spreadsheet would run as a formula (it starts with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading ``'``; numbers are never
  text cells, so a negative number stays a number.
"""

from __future__ import annotations

import re
from typing import Any

# C0 (but \t and \n), DEL, C1; U+061C, U+200B-U+200F, U+2028-U+202E, U+2060-U+206F, U+FEFF.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_UNSAFE_TEXT = re.compile("[\t\n]|" + _UNSAFE.pattern)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` with every unsafe character escaped (see the module doc); ``multiline`` keeps
    newlines and tabs (reports, explanations), otherwise they are escaped too (one-line names)."""
    return (_UNSAFE if multiline else _UNSAFE_TEXT).sub(_escape, str(text))


def printable_tree(obj: Any) -> Any:
    """``obj`` (dicts, lists, tuples, scalars) with every string, keys included, made one-line
    :func:`printable`: a name holding a newline cannot forge a line of a report."""
    if isinstance(obj, str):
        return printable(obj)
    if isinstance(obj, dict):
        return {printable_tree(k): printable_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(printable_tree(v) for v in obj)
    return obj


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cell(text: str) -> str:
    """A CSV text cell from a file: :func:`printable`, and ``'`` before a formula start unless
    the whole cell is a number (``-1.5`` stays a number)."""
    if text.startswith(_FORMULA_START) and not _is_number(text):
        text = "'" + text
    return printable(text)
