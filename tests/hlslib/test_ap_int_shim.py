"""finn/hlslib C++ shims under g++ vs Python big-int arithmetic and numpy.

One harness program (compiled once per module) reads cases from stdin, one per line,
and prints each result as the raw limbs of the ap value (most significant first), so a
result is compared with Python's value *and* with the shim's normalisation invariant
(bits above the width hold zeros for ap_uint, copies of the sign for ap_int). Cases are
drawn in Python from a fixed seed; every mismatch is collected before the test fails.
"""

from __future__ import annotations

import random
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from golden.streams import pack_words

pytestmark = pytest.mark.gxx

WIDTHS = (1, 7, 63, 64, 65, 127, 200, 1568)
CONV_WIDTHS = (1, 7, 63, 64, 65, 127, 200)

HARNESS = r"""
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "finn_ap_int.h"

template <int W, bool S>
using ap = typename std::conditional<S, ap_int<W>, ap_uint<W>>::type;

template <int W, bool S>
void put(const finn_ap::ap_base<W, S>& v) {
  for (int i = v.limbs - 1; i >= 0; i--) std::printf("%016llx", (unsigned long long)v.limb(i));
  std::printf("\n");
}

template <int W, bool S>
void one(const std::string& op, std::istringstream& in) {
  std::string a, b;
  if (op == "hex") {  // hex-string constructor
    in >> a;
    put(ap<W, S>(a.c_str(), 16));
  } else if (op == "int") {  // integral constructor from a (possibly negative) int64
    long long x;
    in >> x;
    put(ap<W, S>(x));
  } else if (op == "get") {  // range read, three spellings; and one bit
    int hi, lo;
    in >> a >> hi >> lo;
    ap<W, S> v(a.c_str(), 16);
    const ap<W, S> c = v;
    std::printf("%016llx %016llx %016llx %d\n", (unsigned long long)uint64_t(v.range(hi, lo)),
                (unsigned long long)uint64_t(v(hi, lo)), (unsigned long long)c.range(hi, lo), int(c[lo]));
  } else if (op == "set") {  // range write through range(), operator() and get-back
    int hi, lo;
    unsigned long long x;
    in >> a >> hi >> lo >> std::hex >> x >> std::dec;
    ap<W, S> v(a.c_str(), 16), u(a.c_str(), 16);
    v.range(hi, lo) = x;
    u(hi, lo) = x;
    put(v);
    put(u);
  } else if (op == "bit") {
    int i, x;
    in >> a >> i >> x;
    ap<W, S> v(a.c_str(), 16);
    v[i] = bool(x);
    put(v);
  } else if (op == "shl" || op == "shr") {
    int n;
    in >> a >> n;
    if constexpr (!S) {
      ap_uint<W> v(a.c_str(), 16);
      put(op == "shl" ? (v << n) : (v >> n));
    }
  } else if (op == "or" || op == "and" || op == "xor") {
    in >> a >> b;
    if constexpr (!S) {
      ap_uint<W> x(a.c_str(), 16), y(b.c_str(), 16);
      put(op == "or" ? (x | y) : op == "and" ? (x & y) : (x ^ y));
      std::printf("%d %d\n", int(x == y), int(x != y));
    }
  } else if (op == "not") {
    in >> a;
    if constexpr (!S) put(~ap_uint<W>(a.c_str(), 16));
  } else if (op == "arith") {  // W <= 64: arithmetic through (u)int64, wrapped on assignment
    in >> a >> b;
    if constexpr (W <= 64) {
      ap<W, S> x(a.c_str(), 16), y(b.c_str(), 16);
      ap<W, S> sum = x + y, diff = x - y, prod = x * y;
      put(sum);
      put(diff);
      put(prod);
      std::printf("%lld %llu\n", (long long)x.to_int64(), (unsigned long long)x.to_uint64());
    }
  }
}

template <int W1, bool S1, int W2, bool S2>
void conv(const std::string& a) {
  const ap<W1, S1> v(a.c_str(), 16);
  put(ap<W2, S2>(v));
}

template <int... Ws>
struct Widths {
  template <bool S>
  static bool run(int w, const std::string& op, std::istringstream& in) {
    return ((w == Ws ? (one<Ws, S>(op, in), true) : false) || ...);
  }
  template <int W1, bool S1, bool S2>
  static bool conv_to(int w2, const std::string& a) {
    return ((w2 == Ws ? (conv<W1, S1, Ws, S2>(a), true) : false) || ...);
  }
  template <bool S1, bool S2>
  static bool conv_from(int w1, int w2, const std::string& a) {
    return ((w1 == Ws ? conv_to<Ws, S1, S2>(w2, a) : false) || ...);
  }
};

using All = Widths<@WIDTHS@>;
using Conv = Widths<@CONV@>;

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string op;
    int w, s;
    in >> op >> w >> s;
    bool ok;
    if (op == "conv") {
      int w2, s2;
      std::string a;
      in >> w2 >> s2 >> a;
      ok = s ? (s2 ? Conv::conv_from<true, true>(w, w2, a) : Conv::conv_from<true, false>(w, w2, a))
             : (s2 ? Conv::conv_from<false, true>(w, w2, a) : Conv::conv_from<false, false>(w, w2, a));
    } else {
      ok = s ? All::run<true>(w, op, in) : All::run<false>(w, op, in);
    }
    if (!ok) std::printf("unsupported width %d\n", w);
    std::fflush(stdout);
  }
  return 0;
}
"""


def hlslib() -> Path:
    return Path(str(resources.files("finn.hlslib")))


def compile_cpp(source: str, out_dir: Path, name: str) -> Path:
    (out_dir / f"{name}.cpp").write_text(source)
    cmd = ["g++", "-std=c++17", "-O2", f"-I{hlslib()}", f"{name}.cpp", "-o", name]
    res = subprocess.run(cmd, cwd=out_dir, capture_output=True, text=True, check=False)
    assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stderr[:3000]}"
    return out_dir / name


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    src = HARNESS.replace("@WIDTHS@", ", ".join(map(str, WIDTHS))).replace(
        "@CONV@", ", ".join(map(str, CONV_WIDTHS)))
    return compile_cpp(src, tmp_path_factory.mktemp("ap_int"), "harness")


# --------------------------------------------------------------------- python reference


def limbs(w: int) -> int:
    return (w + 63) // 64


def wrap(v: int, w: int, signed: bool) -> int:
    """``v`` as a ``w``-bit (un)signed value, as assignment to ap_(u)int<w> wraps it."""
    v &= (1 << w) - 1
    return v - (1 << w) if signed and v >> (w - 1) else v


def raw(v: int, w: int) -> str:
    """The limbs the shim must hold for the (already wrapped) value ``v``."""
    return format(v % (1 << (64 * limbs(w))), f"0{16 * limbs(w)}x")


def rand_value(rng: random.Random, w: int) -> int:
    """A ``w``-bit pattern: random, all ones, a single bit, or zero."""
    kind = rng.random()
    if kind < 0.7:
        return rng.getrandbits(w)
    if kind < 0.8:
        return (1 << w) - 1
    if kind < 0.9:
        return 1 << rng.randrange(w)
    return 0


def run_cases(harness: Path, cases: list[tuple[str, list[str]]]) -> list[str]:
    """Feed ``(input line, expected output lines)``; return one message per mismatch."""
    text = "".join(line + "\n" for line, _ in cases)
    res = subprocess.run([str(harness)], input=text, capture_output=True, text=True, check=True)
    out = res.stdout.splitlines()
    bad, pos = [], 0
    for line, want in cases:
        got = out[pos:pos + len(want)]
        pos += len(want)
        if got != want:
            bad.append(f"{line!r}: got {got}, want {want}")
    assert pos == len(out), f"harness printed {len(out)} lines, expected {pos}"
    return bad


def check(harness: Path, cases) -> None:
    bad = run_cases(harness, cases)
    assert not bad, f"{len(bad)} of {len(cases)} cases differ:\n" + "\n".join(bad[:10])


# -------------------------------------------------------------------------------- tests


def test_hex_constructor(harness):
    rng = random.Random(1)
    cases = []
    for w in WIDTHS:
        for s in (0, 1):
            for _ in range(20):
                v = rng.getrandbits(w + rng.choice([0, 0, 3, 70]))  # longer strings wrap
                text = format(v, "x")
                text = rng.choice(["0x" + text, "0X" + text.upper(), text])
                cases.append((f"hex {w} {s} {text}", [raw(wrap(v, w, bool(s)), w)]))
    check(harness, cases)


def test_integer_constructor_sign_extends_and_wraps(harness):
    rng = random.Random(2)
    cases = []
    for w in WIDTHS:
        for s in (0, 1):
            values = [-1, -5, 0, 1, -(2**63), 2**63 - 1, 300, -300]
            values += [rng.randrange(-(2**63), 2**63) for _ in range(12)]
            for x in values:
                cases.append((f"int {w} {s} {x}", [raw(wrap(x, w, bool(s)), w)]))
    check(harness, cases)


def test_range_get_across_limbs(harness):
    rng = random.Random(3)
    cases = []
    for w in WIDTHS:
        for s in (0, 1):
            for _ in range(40):
                v = rand_value(rng, w)
                lo = rng.randrange(w)
                if rng.random() < 0.3:  # a field ending on or crossing a limb boundary
                    lo = max(0, min(w - 1, 64 * rng.randrange(limbs(w)) + rng.randrange(-8, 8)))
                hi = rng.randrange(lo, min(w, lo + 64))
                field = (v >> lo) & ((1 << (hi - lo + 1)) - 1)
                want = f"{field:016x} {field:016x} {field:016x} {(v >> lo) & 1}"
                cases.append((f"get {w} {s} {v:x} {hi} {lo}", [want]))
    check(harness, cases)


def test_range_and_bit_set_across_limbs(harness):
    rng = random.Random(4)
    cases = []
    for w in WIDTHS:
        for s in (0, 1):
            for _ in range(40):
                v = rand_value(rng, w)
                lo = rng.randrange(w)
                if rng.random() < 0.3:
                    lo = max(0, min(w - 1, 64 * rng.randrange(limbs(w)) + rng.randrange(-8, 8)))
                hi = rng.randrange(lo, min(w, lo + 64))
                x = rng.getrandbits(64)  # wider than the field: only its low bits are taken
                m = (1 << (hi - lo + 1)) - 1
                new = wrap((v & ~(m << lo)) | ((x & m) << lo), w, bool(s))
                cases.append((f"set {w} {s} {v:x} {hi} {lo} {x:x}", [raw(new, w)] * 2))
                i, b = rng.randrange(w), rng.randrange(2)
                new = wrap((v & ~(1 << i)) | (b << i), w, bool(s))
                cases.append((f"bit {w} {s} {v:x} {i} {b}", [raw(new, w)]))
    check(harness, cases)


def test_shifts_and_bitwise_on_wide_values(harness):
    rng = random.Random(5)
    cases = []
    for w in WIDTHS:
        mask = (1 << w) - 1
        for _ in range(30):
            v, u = rand_value(rng, w), rand_value(rng, w)
            n = rng.choice([0, 1, 63, 64, 65, 128, rng.randrange(w + 70)])
            cases.append((f"shl {w} 0 {v:x} {n}", [raw((v << n) & mask, w)]))
            cases.append((f"shr {w} 0 {v:x} {n}", [raw(v >> n, w)]))
            for op, res in (("or", v | u), ("and", v & u), ("xor", v ^ u)):
                cases.append((f"{op} {w} 0 {v:x} {u:x}", [raw(res, w), f"{int(v == u)} {int(v != u)}"]))
            cases.append((f"not {w} 0 {v:x}", [raw(~v & mask, w)]))
        cases.append((f"or {w} 0 {mask:x} {mask:x}", [raw(mask, w), "1 0"]))
    check(harness, cases)


def test_arithmetic_wraps_on_assignment(harness):
    rng = random.Random(6)
    cases = []
    for w in (w for w in WIDTHS if w <= 64):
        for s in (0, 1):
            for _ in range(40):
                a, b = rand_value(rng, w), rand_value(rng, w)
                x, y = wrap(a, w, bool(s)), wrap(b, w, bool(s))
                want = [raw(wrap(x + y, w, bool(s)), w), raw(wrap(x - y, w, bool(s)), w),
                        raw(wrap(x * y, w, bool(s)), w),
                        f"{wrap(x, 64, True)} {x % 2**64}"]
                cases.append((f"arith {w} {s} {a:x} {b:x}", want))
    check(harness, cases)


def test_conversions_between_widths_and_signedness(harness):
    rng = random.Random(7)
    cases = []
    for w1 in CONV_WIDTHS:
        for w2 in CONV_WIDTHS:
            for s1 in (0, 1):
                for s2 in (0, 1):
                    for _ in range(3):
                        v = rand_value(rng, w1)
                        src = wrap(v, w1, bool(s1))  # sign- or zero-extended, then wrapped
                        cases.append((f"conv {w1} {s1} {w2} {s2} {v:x}", [raw(wrap(src, w2, bool(s2)), w2)]))
    check(harness, cases)


# ---------------------------------------------------------------------------- npy.h


NPY_ROUNDTRIP = r"""
#include <cstdio>
#include "npy.h"
int main(int argc, char** argv) {
  const npy::Array a = npy::load(argv[1]);
  npy::save(argv[2], a.shape, a.data, false);
  npy::save(argv[3], a.shape, a.data, true);
  std::printf("%zu\n", a.data.size());
  return 0;
}
"""


@pytest.fixture(scope="module")
def npy_roundtrip(tmp_path_factory) -> Path:
    return compile_cpp(NPY_ROUNDTRIP, tmp_path_factory.mktemp("npy"), "roundtrip")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.int8])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 7), (1, 1), (0, 3)])
@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_npy_round_trip(npy_roundtrip, tmp_path, dtype, shape, version):
    rng = np.random.default_rng(len(shape))
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        lo, hi = max(int(info.min), -(2**53)), min(int(info.max), 2**53)  # exact in a double
        x = rng.integers(lo, hi, shape, endpoint=True, dtype=np.int64).astype(dtype)
        x.reshape(-1)[:2] = [lo, hi][: x.size]
    else:
        x = (rng.standard_normal(shape) * 1000).astype(dtype)
    src, f32, i64 = tmp_path / "x.npy", tmp_path / "f32.npy", tmp_path / "i64.npy"
    with open(src, "wb") as f:
        np.lib.format.write_array(f, x, version=version)
    res = subprocess.run([str(npy_roundtrip), src, f32, i64], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout) == x.size
    y32, y64 = np.load(f32), np.load(i64)
    assert y32.dtype == np.float32 and y32.shape == x.shape
    assert y64.dtype == np.int64 and y64.shape == x.shape
    np.testing.assert_array_equal(y32, x.astype(np.float64).astype(np.float32))
    if np.issubdtype(dtype, np.integer):
        np.testing.assert_array_equal(y64, x.astype(np.int64))
    else:  # the driver writes int64 only for integer tensors; C++ truncates toward zero
        np.testing.assert_array_equal(y64, np.trunc(x.astype(np.float64)).astype(np.int64))


@pytest.mark.parametrize("case", ["fortran", "big-endian", "not-npy"])
def test_npy_rejects_unsupported_files(npy_roundtrip, tmp_path, case):
    src = tmp_path / "x.npy"
    if case == "fortran":
        np.save(src, np.asfortranarray(np.ones((3, 2), np.float32)))
        why = "only C-order"
    elif case == "big-endian":
        np.save(src, np.ones(4, dtype=">f4"))
        why = "unsupported dtype >f4"
    else:
        src.write_bytes(b"hello world, not an array")
        why = "not a .npy file"
    res = subprocess.run([str(npy_roundtrip), src, tmp_path / "a.npy", tmp_path / "b.npy"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 2 and why in res.stderr and str(src) in res.stderr


# ------------------------------------------------------------------------ stream_io.h

#: (codec, elements per word, golden kind, bits)
STREAM_CONFIGS = [
    ("finn::Bipolar", 5, "bipolar", 1),
    ("finn::UInt<1>", 130, "unsigned", 1),
    ("finn::Int<3>", 7, "signed", 3),
    ("finn::Int<4>", 16, "signed", 4),
    ("finn::UInt<8>", 9, "unsigned", 8),
    ("finn::Int<7>", 33, "signed", 7),
    ("finn::UInt<32>", 3, "unsigned", 32),
]


def stream_program() -> str:
    cases = []
    for i, (codec, n, _, _) in enumerate(STREAM_CONFIGS):
        cases.append(f"""  if (cfg == {i}) {{
    hls::stream<ap_uint<{n} * {codec}::BITS>> s;
    finn::pack_to_stream<{codec}, {n}>(x.data, s);
    const size_t words = s.size();
    std::vector<ap_uint<{n} * {codec}::BITS>> copy;
    for (size_t k = 0; k < words; k++) {{ copy.push_back(s.read()); put(copy.back()); }}
    for (auto& w : copy) s.write(w);
    std::vector<double> y;
    finn::unpack_from_stream<{codec}, {n}>(s, words, y);
    npy::save(argv[3], x.shape, y, true);
    return s.empty() ? 0 : 3;
  }}""")
    return r"""
#include <cstdio>
#include <cstdlib>
#include "npy.h"
#include "stream_io.h"

template <int W, bool S>
void put(const finn_ap::ap_base<W, S>& v) {
  for (int i = v.limbs - 1; i >= 0; i--) std::printf("%016llx", (unsigned long long)v.limb(i));
  std::printf("\n");
}

int main(int argc, char** argv) {
  const int cfg = std::atoi(argv[1]);
  const npy::Array x = npy::load(argv[2]);
""" + "\n".join(cases) + "\n  return 1;\n}\n"


@pytest.fixture(scope="module")
def stream_io(tmp_path_factory) -> Path:
    return compile_cpp(stream_program(), tmp_path_factory.mktemp("stream_io"), "stream_io")


@pytest.mark.parametrize("cfg", range(len(STREAM_CONFIGS)), ids=[f"{c[0]}x{c[1]}" for c in STREAM_CONFIGS])
def test_stream_packing_matches_golden(stream_io, tmp_path, cfg):
    codec, n, kind, bits = STREAM_CONFIGS[cfg]
    rng = np.random.default_rng(cfg)
    if kind == "bipolar":
        x = rng.choice([-1, 1], (4, 2 * n))
    elif kind == "signed":
        x = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), (4, 2 * n))
    else:
        x = rng.integers(0, 2**bits, (4, 2 * n), dtype=np.int64)
    x = x.astype(np.float64)
    src, dst = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(src, x)
    res = subprocess.run([str(stream_io), str(cfg), src, dst], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    width = n * bits
    want = [format(w, f"0{16 * limbs(width)}x") for w in pack_words(x.reshape(-1, n), bits, kind)]
    assert res.stdout.split() == want
    np.testing.assert_array_equal(np.load(dst), x.astype(np.int64))


@pytest.mark.parametrize("value", [4.0, -5.0, 0.5])
def test_stream_packing_rejects_unrepresentable(stream_io, tmp_path, value):
    """Int<3> elements (config 2) hold -4 .. 3 and only integers."""
    x = np.zeros((1, 7))
    x[0, 3] = value
    src = tmp_path / "x.npy"
    np.save(src, x)
    res = subprocess.run([str(stream_io), "2", src, tmp_path / "y.npy"], capture_output=True, text=True,
                         check=False)
    assert res.returncode == 2 and "input element 3" in res.stderr and "not representable" in res.stderr
