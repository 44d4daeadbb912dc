"""The version of ctk: in the document properties of every workbook it writes, and in `ctk --version`."""

__version__ = "0.1.0"
