// Multi-threshold activation: PE channels per word, C/PE words per vector.
//
// Output element p of word k (channel nf*PE + p, nf = k mod NF) is
// #{t : x >= thr[t]} + ACTVAL truncated to OBITS bits (two's complement). The
// thresholds live in a ROM, one line per word position nf: bits
// [(p*NTHR + t)*TBITS +: TBITS] are threshold t of PE p, signed (THRESH_FILE,
// $readmemh, see finn/codegen/rtl_mem.py).
//
// Two pipeline stages, each with its own valid bit and stall:
//   A: the input word and the synchronous ROM read of its thresholds (the ROM
//      read enable is the stage enable, so block RAM output registers fit);
//   B: the comparisons and the count, registered; B drives m_axis.
// A stage moves when it is empty or the stage after it moves, so bubbles are
// squeezed out and one word per clock flows when m_axis_tready = 1. Latency:
// a word taken at clock edge e is on m_axis after edge e+1. s_axis_tready
// depends combinationally on m_axis_tready (allowed by AXI-Stream).
module finn_thresholding #(
  parameter integer C = 4,
  parameter integer PE = 1,
  parameter integer IBITS = 8,
  parameter integer IKIND = 0,         // 0 unsigned, 1 signed, 2 bipolar (IBITS = 1)
  parameter integer NTHR = 1,
  parameter integer TBITS = 2,
  parameter integer ACTVAL = 0,
  parameter integer OBITS = 1,
  parameter THRESH_FILE = "",
  // only a synthesis attribute of the ROM, which Verilator does not read
  /* verilator lint_off UNUSEDPARAM */
  parameter RAM_STYLE = "distributed"
  /* verilator lint_on UNUSEDPARAM */
) (
  input  wire                  clk,
  input  wire                  rst_n,
  input  wire [PE*IBITS-1:0]   s_axis_tdata,
  input  wire                  s_axis_tvalid,
  output wire                  s_axis_tready,
  output wire [PE*OBITS-1:0]   m_axis_tdata,
  output wire                  m_axis_tvalid,
  input  wire                  m_axis_tready
);
  localparam integer NF = C / PE;
  localparam integer AW = (NF > 1) ? $clog2(NF) : 1;
  localparam integer MW = PE * NTHR * TBITS;                          // ROM line width
  localparam integer XW = ((IBITS > TBITS) ? IBITS : TBITS) + 2;      // signed compare width
  localparam [31:0] LAST32 = NF - 1;
  localparam [31:0] ACT32 = ACTVAL;
  localparam [31:0] ONE32 = 1;
  localparam [AW-1:0] LAST = LAST32[AW-1:0];
  localparam [OBITS-1:0] ACT = ACT32[OBITS-1:0];
  localparam [OBITS-1:0] ONE = ONE32[OBITS-1:0];

  (* ram_style = RAM_STYLE *) reg [MW-1:0] rom [0:NF-1];
  initial begin
    if (THRESH_FILE != "") $readmemh(THRESH_FILE, rom);
  end

  reg [AW-1:0] nf;                 // word position of the next input word
  reg [PE*IBITS-1:0] x_a;
  reg [MW-1:0] thr_a;
  reg valid_a, valid_b;
  reg [PE*OBITS-1:0] y_b;

  wire en_b = !valid_b || m_axis_tready;
  wire en_a = !valid_a || en_b;
  wire push = s_axis_tvalid && en_a;

  assign s_axis_tready = en_a;
  assign m_axis_tvalid = valid_b;
  assign m_axis_tdata  = y_b;

  // ROM: synchronous read, enabled with stage A; NF = 1 needs no address
  generate
    if (NF > 1) begin : g_rom_addr
      always @(posedge clk) begin
        if (en_a) thr_a <= rom[nf];
      end
    end else begin : g_rom_one
      always @(posedge clk) begin
        if (en_a) thr_a <= rom[0];
      end
    end
  endgenerate

  always @(posedge clk) begin
    if (en_a) x_a <= s_axis_tdata;
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      nf <= 0;
      valid_a <= 1'b0;
      valid_b <= 1'b0;
    end else begin
      if (push) nf <= (nf == LAST) ? {AW{1'b0}} : nf + 1'b1;
      if (en_a) valid_a <= s_axis_tvalid;
      if (en_b) valid_b <= valid_a;
    end
  end

  // stage A -> B: compare each element with its NTHR thresholds, count from ACTVAL
  wire [PE*OBITS-1:0] y_a;
  genvar p;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      wire [IBITS-1:0] xr = x_a[p*IBITS +: IBITS];
      wire signed [XW-1:0] xs;
      if (IKIND == 2) begin : g_bipolar
        assign xs = xr[0] ? {{(XW-1){1'b0}}, 1'b1} : {XW{1'b1}};
      end else if (IKIND == 1) begin : g_signed
        assign xs = {{(XW-IBITS){xr[IBITS-1]}}, xr};
      end else begin : g_unsigned
        assign xs = {{(XW-IBITS){1'b0}}, xr};
      end
      reg [OBITS-1:0] acc;
      reg [TBITS-1:0] tr;
      reg signed [XW-1:0] ts;
      integer t;
      always @* begin
        acc = ACT;
        for (t = 0; t < NTHR; t = t + 1) begin
          tr = thr_a[(p*NTHR + t)*TBITS +: TBITS];
          ts = {{(XW-TBITS){tr[TBITS-1]}}, tr};
          if (xs >= ts) acc = acc + ONE;
        end
      end
      assign y_a[p*OBITS +: OBITS] = acc;
    end
  endgenerate

  always @(posedge clk) begin
    if (en_b) y_b <= y_a;
  end
endmodule
