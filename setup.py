"""Packaging detail pyproject.toml cannot say on its own: every `aftercare*` package, plus the top-level
`templates/` folder shipped inside the package as `aftercare.templates` (package-dir mapping), so that an
installed program finds its templates with importlib and never looks beside site-packages."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["aftercare", "aftercare.*"]) + ["aftercare.templates"],
    package_dir={"aftercare.templates": "templates"},
)
