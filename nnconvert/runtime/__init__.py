"""Running networks: the numpy reference runtime (``execute``) and graph passes that keep the
math and shrink the network (``simplify``)."""

from nnconvert.runtime.execute import check_input, register_kernel, run

__all__ = ["check_input", "register_kernel", "run"]
