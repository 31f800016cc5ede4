"""PyTorch exporter: a Network becomes a ``torch.nn.Module`` of real layers, or a ``torch.export`` file.

``registry`` maps node kinds to module factories (:func:`register_module`), ``layers`` holds the
basic kinds, ``coupling`` and ``monomials`` the kinds with more to say (registered here by
importing them), ``network`` the :class:`TorchNetwork` and ``program`` the ``.pt2`` file.
torch is optional (``pip install 'nnconvert[torch]'``): importing this package without it raises
:class:`nnconvert.errors.MissingDependency`.
"""

from nnconvert.errors import MissingDependency

try:
    import torch as _torch  # noqa: F401
except ImportError:
    raise MissingDependency("PyTorch is not installed; install it with: pip install 'nnconvert[torch]'") from None

from nnconvert.exporters.torch import columns as _columns  # noqa: F401  (registers the column kinds)
from nnconvert.exporters.torch import coupling as _coupling  # noqa: F401  (registers pairwise_coupling)
from nnconvert.exporters.torch import labels as _labels  # noqa: F401  (registers the label kinds)
from nnconvert.exporters.torch import layers as _layers  # noqa: F401  (registers the basic kinds)
from nnconvert.exporters.torch import monomials as _monomials  # noqa: F401  (registers monomials)
from nnconvert.exporters.torch import neighbours as _neighbours  # noqa: F401  (registers neighbour_vote)
from nnconvert.exporters.torch import preprocess as _preprocess  # noqa: F401  (registers the preprocessing kinds)
from nnconvert.exporters.torch import splines as _splines  # noqa: F401  (registers piecewise_poly)
from nnconvert.exporters.torch import trees as _trees  # noqa: F401  (registers the tree kinds)
from nnconvert.exporters.torch.network import TorchNetwork, to_torch, with_trained_weights
from nnconvert.exporters.torch.program import (
    decode_program_outputs,
    export_program,
    load_program,
    save_program,
)
from nnconvert.exporters.torch.registry import BuildContext, register_module

__all__ = [
    "BuildContext",
    "TorchNetwork",
    "decode_program_outputs",
    "export_program",
    "load_program",
    "register_module",
    "save_program",
    "to_torch",
    "with_trained_weights",
]
