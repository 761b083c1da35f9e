"""Name OpenBLAS's kernel from the CPU's own flags when OpenBLAS cannot name the CPU.

numpy's bundled OpenBLAS identifies a CPU by its model; a CPU newer than that table (a Xeon
reporting only "Intel(R) Xeon(R) Processor", as cloud VMs do) falls back to the generic SSE3
kernel ("Prescott"), which ran the sentence encoder's matrix products at 27 GFLOPS where the
AVX-512 kernel runs them at 129 on the same core. The kernel is chosen from the instruction
sets /proc/cpuinfo lists, so it never names one the CPU lacks; an ``OPENBLAS_CORETYPE`` set by
the operator wins. It must be set before numpy loads OpenBLAS: ``nlu/__init__.py`` does it
for every process that imports this package first (``nlu.serve``, ``nlu.classify``), and
``scripts/train_nlu.sh`` exports it for ``rasa train``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableMapping
from pathlib import Path

VARIABLE = "OPENBLAS_CORETYPE"
# Kernels and the instruction sets each one uses, best first.
_KERNELS = (
    ("SkylakeX", frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "fma"})),
    ("Haswell", frozenset({"avx2", "fma"})),
)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The instruction-set flags of the first CPU; none where /proc/cpuinfo is missing."""
    try:
        text = cpuinfo.read_text(encoding="ascii", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def kernel(flags: Iterable[str] | None = None) -> str | None:
    """The best OpenBLAS kernel the CPU's flags allow, or None to leave OpenBLAS to itself."""
    have = frozenset(cpu_flags() if flags is None else flags)
    return next((name for name, needs in _KERNELS if needs <= have), None)


def choose_kernel(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set ``OPENBLAS_CORETYPE`` from the CPU's flags unless the operator set it."""
    if VARIABLE not in environ and (name := kernel()):
        environ[VARIABLE] = name
