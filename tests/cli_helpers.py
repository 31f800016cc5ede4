"""The CLI as the security tests drive it: click's CliRunner on the real command group, and the
one assertion every refusal must pass (its exit code, exactly one ``Error:`` line on stderr naming
the words, no traceback)."""

from __future__ import annotations

from click.testing import CliRunner, Result

from nnconvert.cli import cli


def run_cli(*args: object) -> Result:
    """``nnconvert ARGS...`` in-process (arguments stringified, as a shell passes them)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_error(res: Result, code: int, *words: str, quiet: bool = False) -> None:
    """Exit ``code``, one ``Error:`` line on stderr containing ``words``, no traceback; with
    ``quiet``, nothing on stdout either."""
    assert res.exit_code == code, res.output + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.stderr
    assert "Traceback" not in res.stderr
    if quiet:
        assert res.stdout == "", res.stdout
    for w in words:
        assert w in lines[0], lines[0]
