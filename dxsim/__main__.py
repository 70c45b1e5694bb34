"""`python -m dxsim ...`: the `dxsim` command, for an environment whose scripts folder is not on PATH."""

from dxsim.cli.main import console_main

console_main()
