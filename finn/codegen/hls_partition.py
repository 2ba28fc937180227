"""A chain of HW nodes (a dataflow partition) as one C++ program.

The program reads the partition's input tensor, streams it through every node's
kernel in graph order and writes the output tensor, so all frames run in one
process. Where a producer's stream is wider or narrower than its consumer's (a
folding PE != next SIMD without an explicit width converter node in the graph), a
``finn::dwc`` is placed between them, as the stitched hardware would need one.
"""

from __future__ import annotations

from finn.codegen.hls_kernels import KernelSpec
from finn.codegen.hls_node import DRIVER_USAGE
from finn.util.exceptions import UnsupportedGraphError


def _bridge(prev: KernelSpec, nxt: KernelSpec) -> str | None:
    """The DWC call needed between two nodes, None if their streams match."""
    a, b = prev.out, nxt.inp
    if a.width == b.width and a.bits == b.bits:
        return None
    if a.bits != b.bits or a.bits * a.per_word * a.words != b.bits * b.per_word * b.words:
        raise UnsupportedGraphError(
            f"its output stream ({a.words} x {a.per_word} x {a.bits}-bit elements) does not match "
            f"the input of '{nxt.node}' ({b.words} x {b.per_word} x {b.bits}-bit)",
            node=prev.node,
            hint="the producer's output datatype and shape must equal the consumer's input",
        )
    return f"finn::dwc<{a.width}, {b.width}, {a.width * a.words}>"


def partition_source(specs: list[KernelSpec]) -> str:
    """``main(in.npy, out.npy)`` running ``specs`` (graph order, a linear chain) on all vectors."""
    if not specs:
        raise ValueError("a partition needs at least one node")
    first, last = specs[0].inp, specs[-1].out
    in_elems = first.per_word * first.words
    out_elems = last.per_word * last.words
    includes = sorted({"dwc.h"} | {s.header for s in specs})
    lines = [f"// Dataflow partition of {len(specs)} nodes as one C simulation program (generated).",
             "#include <cstdio>", "#include <vector>", "", '#include "npy.h"', '#include "stream_io.h"']
    lines += [f'#include "{h}"' for h in includes]
    lines += [f'#include "params_{s.ident}.h"' for s in specs if s.params]
    lines += ["", "static int run(const npy::Array& x, std::vector<double>& y, size_t vectors) {"]
    lines.append(f'  hls::stream<{first.word_type}> s0("s0");')
    lines.append(f"  finn::pack_to_stream<{first.codec}, {first.per_word}>(x.data, s0);")
    lines.append("  const unsigned reps = unsigned(vectors);")
    cur = "s0"
    for i, spec in enumerate(specs):
        if i > 0:
            bridge = _bridge(specs[i - 1], spec)
            if bridge is not None:
                name = f"w{i}"
                lines.append(f'  hls::stream<{spec.inp.word_type}> {name}("{name}");')
                lines.append(f"  {bridge}({cur}, {name}, reps);")
                cur = name
        name = f"s{i + 1}"
        lines.append(f'  hls::stream<{spec.out.word_type}> {name}("{spec.ident}_out");')
        lines.append(f"  {spec.call_text(cur, name, 'reps')}")
        cur = name
    lines += [
        f"  finn::unpack_from_stream<{last.codec}, {last.per_word}>({cur}, vectors * {last.words}, y);",
        f"  return {cur}.empty() ? 0 : 3;",
        "}",
        "",
        "int main(int argc, char** argv) {",
        "  if (argc != 3) {",
        f'    std::fprintf(stderr, "{DRIVER_USAGE}\\n", argv[0]);',
        "    return 2;",
        "  }",
        "  const npy::Array x = npy::load(argv[1]);",
        f"  if (x.shape.empty() || x.shape.back() != {in_elems}) {{",
        f'    std::fprintf(stderr, "input\'s last axis must be {in_elems}\\n");',
        "    return 2;",
        "  }",
        f"  const size_t vectors = x.data.size() / {in_elems};",
        "  std::vector<double> y;",
        f"  y.reserve(vectors * {out_elems});",
        "  if (run(x, y, vectors) != 0) {",
        '    std::fprintf(stderr, "output stream words left over\\n");',
        "    return 3;",
        "  }",
        "  std::vector<size_t> shape = x.shape;",
        f"  shape.back() = {out_elems};",
        f"  npy::save(argv[2], shape, y, {'true' if specs[-1].out_is_index else 'false'});",
        "  return 0;",
        "}",
        "",
    ]
    return "\n".join(lines)


def partition_sources(specs: list[KernelSpec]) -> dict[str, str]:
    """File name -> text: one ``params_<node>.h`` per node with memories, and ``partition.cpp``."""
    from finn.codegen.hls_node import params_header

    files = {f"params_{s.ident}.h": params_header(s) for s in specs if s.params}
    files["partition.cpp"] = partition_source(specs)
    return files

