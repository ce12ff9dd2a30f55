"""Shim for setuptools without PEP 660 support (offline installs without `wheel`); see pyproject.toml."""
from setuptools import setup

setup()
