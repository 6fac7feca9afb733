"""lurewatch: rates professional-network approaches for signs of covert recruitment."""

__version__ = "0.1.0"
