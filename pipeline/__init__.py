"""zxie: information extraction for Chinese CPPCC and local-government news."""

__version__ = "0.1.0"
