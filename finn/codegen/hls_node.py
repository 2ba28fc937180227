"""One HW node as a C++ program: top function (what HLS would synthesize) and an npy driver.

Files (all text, from :func:`node_sources`):

``params.h``   the node's constant memories (packed weights, thresholds) in namespace ``p_<node>``
``top.h``      the top function's prototype
``top.cpp``    ``void <node>(in0, out, reps)``: the kernel call, with HLS interface pragmas
``driver.cpp`` ``main(in.npy, out.npy)``: reads the input tensor, streams it in folded
               order, runs the top function for every vector, writes the output tensor
"""

from __future__ import annotations

from finn.codegen.hls_kernels import KernelSpec

DRIVER_USAGE = "usage: {prog} input.npy output.npy"


def params_header(spec: KernelSpec) -> str:
    guard = f"PARAMS_{spec.ident.upper()}_H"
    return (
        f"// Constant memories of node {spec.node} (generated).\n"
        f"#ifndef {guard}\n#define {guard}\n\n#include \"finn_types.h\"\n\n"
        f"namespace {spec.ns} {{\n{spec.params}}}  // namespace {spec.ns}\n\n#endif\n"
    )


def _signature(spec: KernelSpec) -> str:
    return (
        f"void {spec.ident}(hls::stream<{spec.inp.word_type}>& in0, "
        f"hls::stream<{spec.out.word_type}>& out, unsigned reps)"
    )


def top_header(spec: KernelSpec) -> str:
    guard = f"TOP_{spec.ident.upper()}_H"
    return (
        f"// Top function of node {spec.node} (generated).\n"
        f"#ifndef {guard}\n#define {guard}\n\n#include \"finn_types.h\"\n\n{_signature(spec)};\n\n#endif\n"
    )


def top_source(spec: KernelSpec) -> str:
    return (
        f"// Top function of node {spec.node} (generated): the unit HLS synthesizes.\n"
        f"#include \"{spec.header}\"\n#include \"params.h\"\n#include \"top.h\"\n\n"
        f"{_signature(spec)} {{\n"
        "#pragma HLS INTERFACE axis port = in0\n"
        "#pragma HLS INTERFACE axis port = out\n"
        "#pragma HLS INTERFACE s_axilite port = reps\n"
        "#pragma HLS INTERFACE ap_ctrl_none port = return\n"
        f"  {spec.call_text('in0', 'out', 'reps')}\n"
        "}\n"
    )


def driver_source(spec: KernelSpec) -> str:
    inp, out = spec.inp, spec.out
    in_elems, out_elems = inp.per_word * inp.words, out.per_word * out.words
    return f"""// C simulation driver of node {spec.node} (generated).
#include <cstdio>
#include <vector>

#include "npy.h"
#include "stream_io.h"
#include "top.h"

int main(int argc, char** argv) {{
  if (argc != 3) {{
    std::fprintf(stderr, "{DRIVER_USAGE}\\n", argv[0]);
    return 2;
  }}
  const npy::Array x = npy::load(argv[1]);
  if (x.shape.empty() || x.shape.back() != {in_elems}) {{
    std::fprintf(stderr, "input's last axis must be {in_elems}\\n");
    return 2;
  }}
  const size_t vectors = x.data.size() / {in_elems};
  hls::stream<{inp.word_type}> in0("in0");
  hls::stream<{out.word_type}> out("out");
  finn::pack_to_stream<{inp.codec}, {inp.per_word}>(x.data, in0);
  {spec.ident}(in0, out, unsigned(vectors));
  std::vector<double> y;
  y.reserve(vectors * {out_elems});
  finn::unpack_from_stream<{out.codec}, {out.per_word}>(out, vectors * {out.words}, y);
  if (!in0.empty() || !out.empty()) {{
    std::fprintf(stderr, "stream words left over: input %zu, output %zu\\n", in0.size(), out.size());
    return 3;
  }}
  std::vector<size_t> shape = x.shape;
  shape.back() = {out_elems};
  npy::save(argv[2], shape, y, {'true' if spec.out_is_index else 'false'});
  return 0;
}}
"""


def node_sources(spec: KernelSpec) -> dict[str, str]:
    """File name -> text of the node's C++ program."""
    return {
        "params.h": params_header(spec),
        "top.h": top_header(spec),
        "top.cpp": top_source(spec),
        "driver.cpp": driver_source(spec),
    }
