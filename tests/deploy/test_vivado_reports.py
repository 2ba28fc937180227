"""Vivado report parsers: realistic excerpts of both formats, and loud failures on anything else.

The excerpts follow the layout Vivado writes (``report_utilization``: 2022.2 on a 7-series
part with the ``Prohibited`` column, 2019.1 without it, UltraScale+ post-synthesis with
``CLB LUTs*``; ``report_timing_summary``: the Clock Summary and Design Timing Summary).
"""

from __future__ import annotations

import pytest

from finn.deploy.vivado_reports import parse_timing_summary, parse_utilization

UTIL_Z7_2022 = """\
Copyright 1986-2022 Xilinx, Inc. All Rights Reserved. Copyright 2022-2022 Advanced Micro Devices, Inc.
---------------------------------------------------------------------------------------------------------
| Tool Version : Vivado v.2022.2 (lin64) Build 3671981 Fri Oct 14 04:59:54 MDT 2022
| Date         : Mon Mar  4 10:12:44 2024
| Command      : report_utilization -file /build/vivado/reports/utilization_impl.rpt
| Design       : finn_zynq_wrapper
| Device       : xc7z020clg400-1
| Speed File   : -1
| Design State : Routed
---------------------------------------------------------------------------------------------------------

Utilization Design Information

Table of Contents
-----------------
1. Slice Logic
1.1 Summary of Registers by Type
2. Slice Logic Distribution
3. Memory
4. DSP

1. Slice Logic
--------------

+----------------------------+-------+-------+------------+-----------+-------+
|          Site Type         |  Used | Fixed | Prohibited | Available | Util% |
+----------------------------+-------+-------+------------+-----------+-------+
| Slice LUTs                 | 10534 |     0 |          0 |     53200 | 19.80 |
|   LUT as Logic             |  9721 |     0 |          0 |     53200 | 18.27 |
|   LUT as Memory            |   813 |     0 |          0 |     17400 |  4.67 |
|     LUT as Distributed RAM |   456 |     0 |            |           |       |
|     LUT as Shift Register  |   357 |     0 |            |           |       |
| Slice Registers            | 14245 |     0 |          0 |    106400 | 13.39 |
|   Register as Flip Flop    | 14245 |     0 |          0 |    106400 | 13.39 |
|   Register as Latch        |     0 |     0 |          0 |    106400 |  0.00 |
| F7 Muxes                   |   168 |     0 |          0 |     26600 |  0.63 |
| F8 Muxes                   |     0 |     0 |          0 |     13300 |  0.00 |
+----------------------------+-------+-------+------------+-----------+-------+


2. Slice Logic Distribution
---------------------------

+--------------------------------------------+-------+-------+------------+-----------+-------+
|                  Site Type                 |  Used | Fixed | Prohibited | Available | Util% |
+--------------------------------------------+-------+-------+------------+-----------+-------+
| Slice                                      |  4790 |     0 |          0 |     13300 | 36.02 |
|   SLICEL                                   |  3170 |     0 |            |           |       |
|   SLICEM                                   |  1620 |     0 |            |           |       |
+--------------------------------------------+-------+-------+------------+-----------+-------+


3. Memory
---------

+-------------------+------+-------+------------+-----------+-------+
|     Site Type     | Used | Fixed | Prohibited | Available | Util% |
+-------------------+------+-------+------------+-----------+-------+
| Block RAM Tile    | 20.5 |     0 |          0 |       140 | 14.64 |
|   RAMB36/FIFO*    |   18 |     0 |          0 |       140 | 12.86 |
|     RAMB36E1 only |   18 |       |            |           |       |
|   RAMB18          |    5 |     0 |          0 |       280 |  1.79 |
|     RAMB18E1 only |    5 |       |            |           |       |
+-------------------+------+-------+------------+-----------+-------+
* Note: Each Block RAM Tile only has one FIFO logic available and therefore can accommodate only one FIFO36E1 or one FIFO18E1.


4. DSP
------

+----------------+------+-------+------------+-----------+-------+
|    Site Type   | Used | Fixed | Prohibited | Available | Util% |
+----------------+------+-------+------------+-----------+-------+
| DSPs           |    5 |     0 |          0 |       220 |  2.27 |
|   DSP48E1 only |    5 |       |            |           |       |
+----------------+------+-------+------------+-----------+-------+
"""

UTIL_Z7_2019 = """\
| Design State : Routed
1. Slice Logic
--------------

+----------------------------+------+-------+-----------+-------+
|          Site Type         | Used | Fixed | Available | Util% |
+----------------------------+------+-------+-----------+-------+
| Slice LUTs                 | 2412 |     0 |     53200 |  4.53 |
|   LUT as Logic             | 2190 |     0 |     53200 |  4.12 |
| Slice Registers            | 3305 |     0 |    106400 |  3.11 |
+----------------------------+------+-------+-----------+-------+

3. Memory
---------

+-------------------+------+-------+-----------+-------+
|     Site Type     | Used | Fixed | Available | Util% |
+-------------------+------+-------+-----------+-------+
| Block RAM Tile    |    2 |     0 |       140 |  1.43 |
+-------------------+------+-------+-----------+-------+

4. DSP
------

+-----------+------+-------+-----------+-------+
| Site Type | Used | Fixed | Available | Util% |
+-----------+------+-------+-----------+-------+
| DSPs      |    0 |     0 |       220 |  0.00 |
+-----------+------+-------+-----------+-------+
"""

UTIL_ZU_SYNTH = """\
| Device       : xczu7evffvc1156-2
| Design State : Synthesized
1. CLB Logic
------------

+----------------------------+-------+-------+------------+-----------+-------+
|          Site Type         |  Used | Fixed | Prohibited | Available | Util% |
+----------------------------+-------+-------+------------+-----------+-------+
| CLB LUTs*                  | 31877 |     0 |          0 |    230400 | 13.84 |
|   LUT as Logic             | 30012 |     0 |          0 |    230400 | 13.03 |
| CLB Registers              | 40210 |     0 |          0 |    460800 |  8.73 |
|   Register as Flip Flop    | 40210 |     0 |          0 |    460800 |  8.73 |
+----------------------------+-------+-------+------------+-----------+-------+
* Warning! The Final LUT count, after physical optimizations and full implementation, is typically lower.

2. BLOCKRAM
-----------

+-------------------+------+-------+------------+-----------+-------+
|     Site Type     | Used | Fixed | Prohibited | Available | Util% |
+-------------------+------+-------+------------+-----------+-------+
| Block RAM Tile    |   64 |     0 |          0 |       312 | 20.51 |
|   RAMB36/FIFO*    |   64 |     0 |          0 |       312 | 20.51 |
| URAM              |    4 |     0 |          0 |        96 |  4.17 |
+-------------------+------+-------+------------+-----------+-------+

3. ARITHMETIC
-------------

+----------------+------+-------+------------+-----------+-------+
|    Site Type   | Used | Fixed | Prohibited | Available | Util% |
+----------------+------+-------+------------+-----------+-------+
| DSPs           |   48 |     0 |          0 |      1728 |  2.78 |
|   DSP48E2 only |   48 |       |            |           |       |
+----------------+------+-------+------------+-----------+-------+
"""

TIMING_MET = """\
Copyright 1986-2022 Xilinx, Inc. All Rights Reserved.
------------------------------------------------------------------------------------
| Command      : report_timing_summary -file /build/vivado/reports/timing_summary.rpt
| Design       : finn_zynq_wrapper
| Device       : 7z020-clg400
| Speed File   : -1  PRODUCTION 1.12 2019-11-22
------------------------------------------------------------------------------------

Timing Summary Report

------------------------------------------------------------------------------------------------
| Timer Settings
| --------------
------------------------------------------------------------------------------------------------

  Enable Multi Corner Analysis               :  Yes

------------------------------------------------------------------------------------------------
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  TPWS Total Endpoints
    -------      -------  ---------------------  -------------------      -------      -------  ---------------------  -------------------     --------     --------  ----------------------  --------------------
      1.234        0.000                      0                32145        0.021        0.000                      0                32145        3.750        0.000                       0                 14027


All user specified timing constraints are met.


------------------------------------------------------------------------------------------------
| Clock Summary
| -------------
------------------------------------------------------------------------------------------------

Clock       Waveform(ns)         Period(ns)      Frequency(MHz)
-----       ------------         ----------      --------------
clk_fpga_0  {0.000 5.000}        10.000          100.000
"""

TIMING_FAILED = """\
------------------------------------------------------------------------------------------------
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  TPWS Total Endpoints
    -------      -------  ---------------------  -------------------      -------      -------  ---------------------  -------------------     --------     --------  ----------------------  --------------------
     -0.812     -153.337                    412                61077        0.010        0.000                      0                61077        1.520        0.000                       0                 25411


Timing constraints are not met.


------------------------------------------------------------------------------------------------
| Clock Summary
| -------------
------------------------------------------------------------------------------------------------

Clock       Waveform(ns)         Period(ns)      Frequency(MHz)
-----       ------------         ----------      --------------
clk_pl_0    {0.000 2.500}        5.000           200.000
"""

TIMING_UNCONSTRAINED = """\
| Design Timing Summary
| ---------------------
------------------------------------------------------------------------------------------------

    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints      WHS(ns)      THS(ns)  THS Failing Endpoints  THS Total Endpoints     WPWS(ns)     TPWS(ns)  TPWS Failing Endpoints  TPWS Total Endpoints
    -------      -------  ---------------------  -------------------      -------      -------  ---------------------  -------------------     --------     --------  ----------------------  --------------------
        inf        0.000                      0                  120          inf        0.000                      0                  120           NA           NA                      NA                    NA


There are no user specified timing constraints.
"""


def test_utilization_7series_with_prohibited_column():
    u = parse_utilization(UTIL_Z7_2022)
    assert {k: u[k] for k in ("LUT", "FF", "BRAM_36K", "DSP")} == {"LUT": 10534, "FF": 14245, "BRAM_36K": 20.5,
                                                                   "DSP": 5}
    assert u["available"] == {"LUT": 53200, "FF": 106400, "BRAM_36K": 140, "DSP": 220}
    assert "URAM" not in u


def test_utilization_older_layout_without_prohibited_column():
    u = parse_utilization(UTIL_Z7_2019)
    assert (u["LUT"], u["FF"], u["BRAM_36K"], u["DSP"]) == (2412, 3305, 2, 0)
    assert u["available"]["FF"] == 106400


def test_utilization_ultrascale_rows_and_uram():
    u = parse_utilization(UTIL_ZU_SYNTH)
    assert (u["LUT"], u["FF"], u["BRAM_36K"], u["DSP"], u["URAM"]) == (31877, 40210, 64, 48, 4)
    assert u["available"] == {"LUT": 230400, "FF": 460800, "BRAM_36K": 312, "DSP": 1728, "URAM": 96}


@pytest.mark.parametrize("text,match", [
    ("", "not a Vivado report_utilization"),
    (TIMING_MET, "not a Vivado report_utilization"),
    (UTIL_Z7_2022.replace("| DSPs ", "| DSP "), "no row 'DSPs'"),
    (UTIL_Z7_2022.replace("| Slice LUTs                 | 10534 |", "| Slice LUTs                 |  n/a  |"),
     "Slice LUTs"),
])
def test_utilization_fails_loudly_naming_the_report(text, match):
    with pytest.raises(ValueError, match=match) as exc:
        parse_utilization(text, source="reports/utilization_impl.rpt")
    assert "reports/utilization_impl.rpt" in str(exc.value)


def test_timing_met_with_period_from_clock_summary():
    t = parse_timing_summary(TIMING_MET)
    assert (t["wns"], t["tns"], t["whs"], t["ths"]) == (1.234, 0.0, 0.021, 0.0)
    assert t["met"] is True
    assert t["clock"] == "clk_fpga_0" and t["period_ns"] == 10.0
    assert t["fmax_mhz"] == pytest.approx(1000 / (10.0 - 1.234), abs=1e-3)


def test_timing_not_met_uses_the_given_period():
    t = parse_timing_summary(TIMING_FAILED, period_ns=5.0)
    assert t["met"] is False and t["wns"] == -0.812 and t["tns"] == -153.337
    assert t["fmax_mhz"] == pytest.approx(1000 / 5.812, abs=1e-3)  # below the 200 MHz asked for
    assert t["clock"] == "clk_pl_0"


def test_timing_without_constraints_has_no_verdict():
    t = parse_timing_summary(TIMING_UNCONSTRAINED, period_ns=10.0)
    assert t["met"] is None and t["fmax_mhz"] is None


@pytest.mark.parametrize("text,match", [
    (UTIL_Z7_2022, "no 'Design Timing Summary'"),
    (TIMING_MET.replace("WNS(ns)", "SLACK"), "no 'WNS\\(ns\\)' header"),
    (TIMING_MET.replace("      1.234        0.000 ", "      1.234 "), "does not match its header"),
])
def test_timing_fails_loudly_naming_the_report(text, match):
    with pytest.raises(ValueError, match=match) as exc:
        parse_timing_summary(text, source="reports/timing_summary.rpt")
    assert "reports/timing_summary.rpt" in str(exc.value)
