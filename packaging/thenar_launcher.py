"""The bundle's entry point: the same as the `thenar` console script.

PyInstaller wants a script, not a `module:function` entry point. Everything,
including `--self-test` and `--simulator` (the demo massager, run as a second
copy of this executable), is handled by `desktop.__main__.main`.
"""

from desktop.__main__ import main

if __name__ == "__main__":
    main()
