"""Hatch build hook: compile cleaner's Cython modules (cleaner.compiled.MODULES) into the wheel.

Each ``.pyx`` is translated by Cython and compiled by the C compiler Python was built with.
Nothing here may fail an install: without Cython, without a compiler, or when a build fails,
the hook says so on stderr and the wheel holds the pure-Python package, which gives the same
output (``tests/test_compiled.py``). An editable install gets the built modules next to their
``.pyx`` in ``src/`` (re-run the install after editing one); a regular wheel gets them from a
temporary folder, and the source tree stays as it was. ``CLEANER_PURE_PYTHON=1`` skips the build.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = ("src/cleaner/heuristics/_lines.pyx", "src/cleaner/langid/_trials.pyx")
# -ffp-contract=off: no fused multiply-add, so every float operation rounds as Python's does
C_FLAGS = ("-O2", "-ffp-contract=off", "-fno-fast-math", "-fno-strict-aliasing", "-DNDEBUG")
STEP_TIMEOUT = 600  # seconds for one Cython or compiler run


def _tool(variable: str) -> list[str]:
    """The compiler or linker command: the environment's (as distutils reads it), else Python's own."""
    return shlex.split(os.environ.get(variable) or sysconfig.get_config_var(variable) or "")


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if done.returncode:
        raise RuntimeError(f"{shlex.join(command)} exited with {done.returncode}:\n{done.stderr[-2000:]}")


def build_extension(pyx: Path, work: Path) -> Path:
    """Translate and compile one .pyx in ``work``; returns the built extension module's path."""
    c_file, o_file = work / f"{pyx.stem}.c", work / f"{pyx.stem}.o"
    module = work / f"{pyx.stem}{sysconfig.get_config_var('EXT_SUFFIX')}"
    _run([sys.executable, "-m", "cython", "-3", str(pyx), "-o", str(c_file)])
    includes = {sysconfig.get_paths()["include"], sysconfig.get_paths()["platinclude"]}
    _run([*_tool("CC"), *shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC"), *C_FLAGS,
          *(f"-I{path}" for path in sorted(includes)), "-c", str(c_file), "-o", str(o_file)])
    _run([*_tool("LDSHARED"), str(o_file), "-o", str(module)])
    return module


class CythonBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        if os.environ.get("CLEANER_PURE_PYTHON", "") not in ("", "0"):
            print("cleaner: CLEANER_PURE_PYTHON is set, compiled modules not built", file=sys.stderr)
            return
        self._work = Path(tempfile.mkdtemp(prefix="cleaner-build-"))
        built = {}
        try:
            for source in SOURCES:
                pyx = Path(self.root) / source
                built[pyx] = build_extension(pyx, self._work)
        except Exception as exc:  # noqa: BLE001  any failure means a pure-Python install, never none
            print(f"cleaner: compiled modules not built, the pure-Python code will run (same output): "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr)
            return
        for pyx, module in built.items():
            if version == "editable":  # the package is imported from src/: the module goes beside its .pyx
                shutil.copy2(module, pyx.with_name(module.name))
            else:
                package_path = pyx.relative_to(Path(self.root) / "src").with_name(module.name)
                build_data["force_include"][str(module)] = package_path.as_posix()
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
