"""circularity: map, measure and stress-test circular financing webs."""
__version__ = "0.1.0"
