"""Vitis HLS project script for one HW node (pure text).

UNTESTED: no Vitis HLS install exists on the machines this project is developed
and tested on. The script follows the documented Vitis HLS Tcl commands; treat a
first run as a bring-up.
"""

from __future__ import annotations

HLS_CFLAGS = "-std=c++14 -DFINN_VENDOR_HLS -I."


def hls_project_tcl(top: str, part: str, clock_ns: float) -> str:
    """Script that C-simulates, synthesizes and exports node ``top`` as an IP.

    Expects, in the working folder: ``top.cpp``, ``top.h``, ``params.h``, ``driver.cpp``
    and the ``finn/hlslib`` headers (the writer copies them there).
    """
    return f"""# Vitis HLS project for node {top} (generated; untested on our machines)
open_project -reset project_{top}
set_top {top}
add_files top.cpp -cflags "{HLS_CFLAGS}"
add_files -tb driver.cpp -cflags "{HLS_CFLAGS}"
open_solution -reset solution1 -flow_target vivado
set_part {part}
create_clock -period {clock_ns} -name default
csynth_design
export_design -format ip_catalog
exit
"""
