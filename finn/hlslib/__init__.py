"""HLS-style C++ kernel library (package data: the headers of this folder)."""
