"""Package list for setuptools; everything else is in pyproject.toml.

The fact tables stay in the repository's geodata/ folder (geodata/SOURCES.md) and ship inside the
wheel as the package data `dxsim/_facts/*.csv`; pyproject's `packages.find` cannot map a package
to another folder, so the packages are listed here.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["dxsim", "dxsim.*"]), "dxsim._facts"],
    package_dir={"dxsim._facts": "geodata"},
)
