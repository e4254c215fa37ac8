"""aftercare: case management for a township community drug rehabilitation office.

The package is a library first: `aftercare.core.model` (plain data), `aftercare.core.rules` and
`aftercare.core.engine` (pure computation), `aftercare.store` (files and git), and a thin command
line in `aftercare.cli`.
"""

__version__ = "0.1.0"
