"""Parsers of the two Vivado reports a Zynq build keeps: utilization and timing summary.

Both read the plain-text reports Vivado writes (``report_utilization -file`` and
``report_timing_summary -file``), locate their tables by the column names rather than by
position (Vivado 2020.1 added a ``Prohibited`` column to the utilization tables, and
UltraScale+ parts say ``CLB LUTs`` where 7-series say ``Slice LUTs``), and fail loudly
with a ``ValueError`` naming the report when the text is not what they expect: a build
must never report zero LUTs because a table moved.
"""

from __future__ import annotations

import math
import re

# our resource name -> the row names Vivado uses for it (7-series first, UltraScale+ second)
UTILIZATION_ROWS: dict[str, tuple[str, ...]] = {
    "LUT": ("Slice LUTs", "CLB LUTs"),
    "FF": ("Slice Registers", "CLB Registers"),
    "BRAM_36K": ("Block RAM Tile",),  # one tile = one RAMB36 or two RAMB18; may be a half
    "DSP": ("DSPs",),
}
OPTIONAL_ROWS: dict[str, tuple[str, ...]] = {"URAM": ("URAM",)}  # UltraScale+ only


def _number(cell: str, source: str, row: str) -> int | float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{source}: row '{row}' has no number where one is expected: '{cell}'") from None
    return int(value) if value.is_integer() else value


def _site_rows(text: str) -> dict[str, dict[str, str]]:
    """Every row of every ``| Site Type | Used | ... |`` table, by site type (first wins)."""
    rows: dict[str, dict[str, str]] = {}
    header: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            if not stripped.startswith("+"):
                header = None  # a table ends at the first line that is neither border nor row
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if cells and cells[0] == "Site Type":
            header = cells
            continue
        if header is None or len(cells) != len(header):
            continue
        name = cells[0].rstrip("*").strip()
        rows.setdefault(name, dict(zip(header, cells, strict=True)))
    return rows


def parse_utilization(text: str, source: str = "report_utilization output") -> dict:
    """Used and available LUT, FF, BRAM_36K, DSP (and URAM) of a ``report_utilization`` text.

    Returns ``{"LUT": used, "FF": ..., "BRAM_36K": ..., "DSP": ..., "available": {...}}``
    (``URAM`` too when the part has it). ``source`` names the report in errors.
    """
    rows = _site_rows(text)
    if not rows:
        raise ValueError(f"{source}: not a Vivado report_utilization text (no '| Site Type | Used |' table)")
    result: dict = {}
    available: dict[str, int | float] = {}
    missing = []
    for key, names in {**UTILIZATION_ROWS, **OPTIONAL_ROWS}.items():
        row = next((rows[n] for n in names if n in rows), None)
        if row is None:
            if key in UTILIZATION_ROWS:
                missing.append(" or ".join(f"'{n}'" for n in names))
            continue
        for column in ("Used", "Available"):
            if column not in row:
                raise ValueError(f"{source}: the table of '{row['Site Type']}' has no '{column}' column")
        result[key] = _number(row["Used"], source, row["Site Type"])
        available[key] = _number(row["Available"], source, row["Site Type"])
    if missing:
        raise ValueError(f"{source}: no row {', '.join(missing)} in the utilization tables")
    result["available"] = available
    return result


def _columns(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def _clock_period(text: str) -> tuple[str, float] | None:
    """(name, period) of the first clock of the ``Clock Summary`` table, if there is one."""
    at = text.find("Clock Summary")
    if at < 0:
        return None
    m = re.search(r"^(\S+)\s+\{[-\d.\s]+\}\s+([\d.]+)\s+[\d.]+\s*$", text[at:], flags=re.M)
    return (m.group(1), float(m.group(2))) if m else None


def parse_timing_summary(text: str, period_ns: float | None = None,
                         source: str = "report_timing_summary output") -> dict:
    """WNS, TNS, WHS, THS (ns) of the ``Design Timing Summary`` table, the verdict and Fmax.

    ``met`` is True when setup and hold slack are both non-negative and Vivado does not
    say otherwise; None when the design has no timed paths (slack ``inf``). ``fmax_mhz``
    is ``1000 / (period - WNS)`` with ``period_ns`` (default: the first clock of the
    ``Clock Summary`` table), None without a period or timed paths.
    """
    at = text.find("Design Timing Summary")
    if at < 0:
        raise ValueError(f"{source}: not a Vivado report_timing_summary text (no 'Design Timing Summary')")
    lines = text[at:].splitlines()
    head = next((i for i, line in enumerate(lines) if "WNS(ns)" in line), None)
    if head is None:
        raise ValueError(f"{source}: the Design Timing Summary has no 'WNS(ns)' header")
    names = _columns(lines[head])
    values = next((line.split() for line in lines[head + 1:]
                   if line.strip() and not set(line.strip()) <= set("- ")), None)
    if values is None or len(values) != len(names):
        raise ValueError(f"{source}: the Design Timing Summary row does not match its header {names}")
    table = dict(zip(names, values, strict=True))
    result: dict = {}
    for key, column in (("wns", "WNS(ns)"), ("tns", "TNS(ns)"), ("whs", "WHS(ns)"), ("ths", "THS(ns)")):
        if column not in table:
            raise ValueError(f"{source}: the Design Timing Summary has no '{column}' column")
        try:
            result[key] = float(table[column])
        except ValueError:
            raise ValueError(f"{source}: {column} is not a number: '{table[column]}'") from None
    clock = _clock_period(text)
    if period_ns is None and clock is not None:
        period_ns = clock[1]
    result["clock"] = clock[0] if clock else None
    result["period_ns"] = period_ns
    timed = math.isfinite(result["wns"]) and math.isfinite(result["whs"])
    if not timed:
        result["met"] = None
    else:
        said_not_met = "constraints are not met" in text
        result["met"] = result["wns"] >= 0 and result["whs"] >= 0 and not said_not_met
    result["fmax_mhz"] = (round(1000.0 / (period_ns - result["wns"]), 3)
                          if timed and period_ns and period_ns - result["wns"] > 0 else None)
    return result
