"""OpenBLAS gets the fastest kernel the CPU's own flags allow, never one it lacks."""

from __future__ import annotations

from pathlib import Path

from nlu.blas import VARIABLE, choose_kernel, cpu_flags, kernel

AVX512 = {"sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}


def test_an_avx512_cpu_gets_the_avx512_kernel() -> None:
    assert kernel(AVX512) == "SkylakeX"


def test_an_avx2_cpu_gets_the_avx2_kernel() -> None:
    assert kernel({"sse3", "avx", "avx2", "fma", "avx512f"}) == "Haswell"  # avx512 incomplete


def test_an_old_or_unknown_cpu_is_left_to_openblas() -> None:
    assert kernel({"sse3", "sse4_2", "avx"}) is None
    assert kernel(set()) is None


def test_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse3 avx2 fma\n\nflags\t: other\n")
    assert cpu_flags(info) == {"fpu", "sse3", "avx2", "fma"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_the_operators_choice_wins() -> None:
    environ = {VARIABLE: "Haswell"}
    choose_kernel(environ)
    assert environ == {VARIABLE: "Haswell"}
    chosen: dict[str, str] = {}
    choose_kernel(chosen)
    assert chosen.get(VARIABLE) == kernel()
