"""Verilog modules of the RTL level (package data: the .v files of this folder)."""
