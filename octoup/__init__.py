"""octoup: make a data-science project reproducible on any machine and any cloud."""

__version__ = "0.1.0"
