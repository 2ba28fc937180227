// Matrix-vector-activation unit: out = act(x @ W) on AXI-Streams, folded PE x SIMD.
//
// A vector of MW inputs arrives as SF = MW/SIMD words of SIMD elements; the MH outputs
// leave as NF = MH/PE words of PE elements. Each clock, each of the PE lanes
// multiplies SIMD inputs with SIMD weights and adds them to its accumulator, so a
// vector takes SF * NF clocks. The input words are taken from s_axis during neuron
// fold nf = 0 and kept in an SF-word buffer that is replayed for nf > 0.
//
// Memories ($readmemh images, see finn/codegen/rtl_mem.py):
//   weights:    line nf*SF + sf, bits [(p*SIMD + s)*WBITS +: WBITS] is the weight of
//               input sf*SIMD + s for output nf*PE + p;
//   thresholds: line nf, bits [(p*NTHR + t)*TBITS +: TBITS] is threshold t of output
//               nf*PE + p (signed). Activation: #{t : acc >= thr[t]} + ACTVAL.
// Element KINDs: 0 unsigned, 1 signed (two's complement), 2 bipolar (bit b is 2b-1).
// XNOR = 1: 1-bit inputs and weights, a lane adds 1 when the bits are equal.
//
// Pipeline: three register stages, all advancing on one enable `en`:
//   S0     sf, nf   step counters and weight address; a step issues when its input
//                   word is at hand (s_axis in fold nf = 0, else the buffer)
//   S1     x1, w1   input word and weight ROM word (synchronous read) of the step
//   S2     acc      acc += PE dot products of S1 (cleared on sf = 0); accv marks a
//                   complete neuron fold, whose thresholds the ROM delivers alongside
//   S3     m_data   activation of acc (or acc itself), m_axis_tvalid = m_valid
// For clock speed (post-route timing on an ECP5, finn/deploy/ecp5_pnr.py), two
// paths are cut without adding a stage: a block-RAM weight ROM reads one step ahead
// into its own output register, so w1 is a fabric register loaded from it (the RAM's
// slow clock-to-out never meets the dot product); and S2 holds acc in carry-save
// form, acc = accp + the step's partial dot products psum (GL lanes each), so S1 -> S2
// is a dot product of GL lanes and the accumulation (accp + psum) is a short sum.
// `en` is low only while the output register holds a word the sink has not taken;
// then the whole pipeline holds, so no word is lost, duplicated or changed, and no
// skid buffer is needed. With an always-ready sink and an always-valid source there
// is no bubble: one PE x SIMD step per clock, a vector every SF * NF clocks.
// Latency: the first output word is valid SF + 1 clocks after the edge that took the
// first input word, and transfers SF + 2 edges after it.
// s_axis_tready depends combinationally on m_axis_tready (through `en`);
// m_axis_tvalid is a register. Synchronous active-low reset.
// With thresholds, OBITS <= 32 (the count is formed in 32 bits).
module finn_mvau #(
  parameter integer MW = 4,
  parameter integer MH = 4,
  parameter integer PE = 1,
  parameter integer SIMD = 1,
  parameter integer IBITS = 1,
  parameter integer IKIND = 0,
  parameter integer WBITS = 1,
  parameter integer WKIND = 2,
  parameter integer XNOR = 0,
  parameter integer ACCBITS = 16,
  parameter integer NTHR = 0,
  parameter integer TBITS = 2,
  parameter integer ACTVAL = 0,
  parameter integer OBITS = 16,
  parameter WEIGHT_FILE = "",
  parameter THRESH_FILE = "",
  // a fixed width (any name up to 11 characters): comparing an untyped string
  // parameter with literals of other lengths is a width warning in Verilator
  parameter [8*11-1:0] RAM_STYLE = "auto"
) (
  input  wire                  clk,
  input  wire                  rst_n,
  input  wire [SIMD*IBITS-1:0] s_axis_tdata,
  input  wire                  s_axis_tvalid,
  output wire                  s_axis_tready,
  output wire [PE*OBITS-1:0]   m_axis_tdata,
  output wire                  m_axis_tvalid,
  input  wire                  m_axis_tready
);
  localparam integer SF = MW / SIMD;
  localparam integer NF = MH / PE;
  localparam integer WDEPTH = SF * NF;
  localparam integer XW = SIMD * IBITS;           // input word
  localparam integer WW = PE * SIMD * WBITS;      // weight word
  // A product of an (IBITS+1)-bit and a (WBITS+1)-bit signed value (unsigned and
  // bipolar elements take one extra bit) fits PW bits.
  localparam integer PW = IBITS + WBITS + 2;
  // Internal accumulator: ACCBITS, but wider than a product so that every sign
  // extension below has a positive replication count. Sums wrap modulo 2**AW, which
  // is exact because the final accumulator value fits ACCBITS <= AW.
  localparam integer AW = (ACCBITS > PW) ? ACCBITS : PW + 1;
  // Threshold compare width: holds both the accumulator and a threshold, plus one.
  localparam integer CW = ((AW > TBITS) ? AW : TBITS) + 1;
  localparam integer SFB = (SF > 1) ? $clog2(SF) : 1;
  localparam integer NFB = (NF > 1) ? $clog2(NF) : 1;
  localparam integer WAB = (WDEPTH > 1) ? $clog2(WDEPTH) : 1;
  localparam [31:0] SF_LAST32 = SF - 1;
  localparam [31:0] NF_LAST32 = NF - 1;
  localparam [31:0] WA_LAST32 = WDEPTH - 1;
  localparam [SFB-1:0] SF_LAST = SF_LAST32[SFB-1:0];
  localparam [NFB-1:0] NF_LAST = NF_LAST32[NFB-1:0];
  localparam [WAB-1:0] WA_LAST = WA_LAST32[WAB-1:0];
  localparam [PW-1:0] P_ONE = {{(PW-1){1'b0}}, 1'b1};
  localparam [PW-1:0] P_MINUS_ONE = {PW{1'b1}};

  // ------------------------------------------------------------------ control
  reg  m_valid;
  wire en = !m_valid || m_axis_tready;   // the pipeline moves unless the output is stuck
  reg  [SFB-1:0] sf;
  reg  [NFB-1:0] nf;
  reg  [WAB-1:0] waddr;                   // = nf*SF + sf, kept as a counter
  wire [WAB-1:0] waddr_inc = (waddr == WA_LAST) ? {WAB{1'b0}} : waddr + 1'b1;
  wire nf_zero = (nf == {NFB{1'b0}});
  wire sf_last = (sf == SF_LAST);
  wire nf_last = (nf == NF_LAST);
  // a step is issued when its input word is at hand: from s_axis in fold 0, else buffered
  wire issue = en && (!nf_zero || s_axis_tvalid);
  assign s_axis_tready = en && nf_zero;

  always @(posedge clk) begin
    if (!rst_n) begin
      sf <= {SFB{1'b0}};
      nf <= {NFB{1'b0}};
      waddr <= {WAB{1'b0}};
    end else if (issue) begin
      sf <= sf_last ? {SFB{1'b0}} : sf + 1'b1;
      if (sf_last) nf <= nf_last ? {NFB{1'b0}} : nf + 1'b1;
      waddr <= waddr_inc;
    end
  end

  // ------------------------------------------------------ S0 -> S1: operands
  // Input buffer: written in fold 0, replayed in folds 1..NF-1; SF words, so a small
  // LUTRAM read asynchronously into x1 (no address is read and written in one fold).
  reg [XW-1:0] inbuf [0:SF-1];
  reg [XW-1:0] x1;
  reg          v1, first1, last1;

  always @(posedge clk) begin
    if (issue && nf_zero) inbuf[sf] <= s_axis_tdata;
    if (issue) begin
      x1 <= nf_zero ? s_axis_tdata : inbuf[sf];
      first1 <= (sf == {SFB{1'b0}});
      last1 <= sf_last;
    end
  end

  always @(posedge clk) begin
    if (!rst_n) v1 <= 1'b0;
    else if (en) v1 <= issue;
  end

  // Weight ROM, synchronous read; the style branches only differ in the attribute.
  // Without an image the weights are all zero (lets the module lint on its own).
  // Block RAM (and "auto", which may become one) reads ahead: wq = wmem[waddr] holds
  // from reset on (it reads the next address whenever a step issues), and w1 takes wq
  // when the step issues, exactly the word a direct read of wmem[waddr] would give.
  reg [WW-1:0] w1;
  generate
    if (WEIGHT_FILE == "") begin : g_wmem_none
      always @(posedge clk) if (issue) w1 <= {WW{1'b0}};
    end else if (RAM_STYLE == "block") begin : g_wmem_block
      (* ram_style = "block" *) reg [WW-1:0] wmem [0:WDEPTH-1];
      reg [WW-1:0] wq;
      wire rd_en = !rst_n || issue;
      wire [WAB-1:0] rd_addr = rst_n ? waddr_inc : {WAB{1'b0}};
      initial $readmemh(WEIGHT_FILE, wmem);
      always @(posedge clk) if (rd_en) wq <= wmem[rd_addr];
      always @(posedge clk) if (issue) w1 <= wq;
    end else if (RAM_STYLE == "distributed") begin : g_wmem_distributed
`ifdef YOSYS
      // Yosys maps no ROM to LUTRAM ("no valid mapping"); a LUT ROM is its "logic" style
      (* ram_style = "logic" *) reg [WW-1:0] wmem [0:WDEPTH-1];
`else
      (* ram_style = "distributed" *) reg [WW-1:0] wmem [0:WDEPTH-1];
`endif
      initial $readmemh(WEIGHT_FILE, wmem);
      always @(posedge clk) if (issue) w1 <= wmem[waddr];
    end else begin : g_wmem_auto
      reg [WW-1:0] wmem [0:WDEPTH-1];
      reg [WW-1:0] wq;
      wire rd_en = !rst_n || issue;
      wire [WAB-1:0] rd_addr = rst_n ? waddr_inc : {WAB{1'b0}};
      initial $readmemh(WEIGHT_FILE, wmem);
      always @(posedge clk) if (rd_en) wq <= wmem[rd_addr];
      always @(posedge clk) if (issue) w1 <= wq;
    end
  endgenerate

  // ---------------------------------------------- S1 -> S2: dot products, acc
  // One lane's product, PW bits two's complement. Bipolar operands negate instead of
  // multiplying, so a bipolar weight costs an adder, not a multiplier.
  function [PW-1:0] lane_product(input [IBITS-1:0] x, input [WBITS-1:0] w);
    reg [PW-1:0] xv, wv;
    begin
      if (IKIND == 1) xv = {{(PW-IBITS){x[IBITS-1]}}, x};
      else            xv = {{(PW-IBITS){1'b0}}, x};
      if (WKIND == 1) wv = {{(PW-WBITS){w[WBITS-1]}}, w};
      else            wv = {{(PW-WBITS){1'b0}}, w};
      if (IKIND == 2 && WKIND == 2) lane_product = (x[0] == w[0]) ? P_ONE : P_MINUS_ONE;
      else if (WKIND == 2)          lane_product = w[0] ? xv : -xv;
      else if (IKIND == 2)          lane_product = x[0] ? wv : -wv;
      else                          lane_product = xv * wv;
    end
  endfunction

  // Carry-save accumulator: NG partial sums of GL lanes each. A partial sum holds
  // GB bits: a count of up to GL ones (XNOR), or GL products of PW bits (signed);
  // at most AW bits, as the sums wrap modulo 2**AW like the accumulator.
  localparam integer GL = (XNOR != 0) ? 16 : 8;
  localparam integer NG = (SIMD + GL - 1) / GL;
  localparam integer GB0 = (XNOR != 0) ? $clog2(GL + 1) : PW + $clog2(GL);
  localparam integer GB = (GB0 < AW) ? GB0 : AW;

  // One generate block per PE: each PE's dot product and accumulator are separate,
  // narrow signals (as in hardware), which simulators also evaluate far faster than
  // slices of one wide vector.
  wire [PE*AW-1:0] acc;     // all accumulators, PE 0 in the low bits
  reg              accv;    // acc holds a complete neuron fold
  genvar gp;
  generate
    for (gp = 0; gp < PE; gp = gp + 1) begin : g_pe
      wire [SIMD*WBITS-1:0] wp = w1[gp*SIMD*WBITS +: SIMD*WBITS];
      reg  [NG*GB-1:0] part;   // this step's partial dot products (combinational)
      reg  [NG*GB-1:0] psum;   // the partial dot products of the step in S2
      reg  [AW-1:0] accp;      // the sum of the fold's steps before it
      reg  [AW-1:0] sum;       // accp + psum: the accumulator (combinational)
      reg  [AW-1:0] ext;
      integer h;
      if (XNOR != 0) begin : g_xnor
        // population counts: synthesis builds the adder trees, simulators use a
        // machine popcount. $countones is 32 bits wide and a count fits GB bits.
        /* verilator lint_off UNUSEDSIGNAL */
        integer ones;
        /* verilator lint_on UNUSEDSIGNAL */
        reg [NG*GL-1:0] eq;    // lane s: x == w (lanes past SIMD are 0)
        integer g;
        always @* begin
          eq = {NG*GL{1'b0}};
          eq[SIMD-1:0] = ~(x1[SIMD-1:0] ^ wp[SIMD-1:0]);
          for (g = 0; g < NG; g = g + 1) begin
            ones = $countones(eq[g*GL +: GL]);
            part[g*GB +: GB] = ones[GB-1:0];
          end
        end
      end else begin : g_mac
        integer s;
        reg [PW-1:0] prod;
        always @* begin
          part = {NG*GB{1'b0}};
          for (s = 0; s < SIMD; s = s + 1) begin
            prod = lane_product(x1[s*IBITS +: IBITS], wp[s*WBITS +: WBITS]);
            part[(s/GL)*GB +: GB] = part[(s/GL)*GB +: GB] + {{(GB-PW){prod[PW-1]}}, prod};
          end
        end
      end
      always @* begin
        sum = accp;
        for (h = 0; h < NG; h = h + 1) begin
          // zero- (counts) or sign-extended (products) to AW bits
          ext = {AW{(XNOR == 0) && psum[h*GB+GB-1]}};
          ext[GB-1:0] = psum[h*GB +: GB];
          sum = sum + ext;
        end
      end
      always @(posedge clk) begin
        if (en && v1) begin
          psum <= part;
          accp <= first1 ? {AW{1'b0}} : sum;
        end
      end
      assign acc[gp*AW +: AW] = sum;
    end
  endgenerate

  always @(posedge clk) begin
    if (!rst_n) accv <= 1'b0;
    else if (en) accv <= v1 && last1;
  end

  // ------------------------------------------------- S2 -> S3: activation, out
  reg [PE*OBITS-1:0] y;     // output word of acc (combinational)
  reg [PE*OBITS-1:0] m_data;
  generate
    if (NTHR > 0) begin : g_thresholds
      localparam integer TW = PE * NTHR * TBITS;
      localparam [31:0] ACTVAL32 = ACTVAL;
      // Threshold ROM, synchronous read on the last synapse fold: the thresholds of
      // fold nf1 arrive with its complete accumulator (both held while stalled).
      reg [TW-1:0] thr;
      reg [NFB-1:0] nf1;
      always @(posedge clk) if (issue) nf1 <= nf;
      if (THRESH_FILE == "") begin : g_tmem_none   // all-zero thresholds
        always @(posedge clk) if (en && v1 && last1) thr <= {TW{1'b0}};
      end else begin : g_tmem
        reg [TW-1:0] tmem [0:NF-1];
        initial $readmemh(THRESH_FILE, tmem);
        always @(posedge clk) if (en && v1 && last1) thr <= tmem[nf1];
      end

      for (gp = 0; gp < PE; gp = gp + 1) begin : g_act
        wire [NTHR*TBITS-1:0] tp = thr[gp*NTHR*TBITS +: NTHR*TBITS];
        wire [CW-1:0] a_ext = {{(CW-AW){acc[gp*AW+AW-1]}}, acc[gp*AW +: AW]};
        integer t;
        reg [CW-1:0] t_ext;
        reg [31:0] count;
        always @* begin
          count = 32'd0;
          for (t = 0; t < NTHR; t = t + 1) begin
            t_ext = {{(CW-TBITS){tp[(t+1)*TBITS-1]}}, tp[t*TBITS +: TBITS]};
            // no reliance on sorted thresholds: count every one that is reached
            if ($signed(a_ext) >= $signed(t_ext)) count = count + 32'd1;
          end
          count = count + ACTVAL32;   // wraps like two's complement: ACTVAL may be < 0
          y[gp*OBITS +: OBITS] = count[OBITS-1:0];
        end
      end
    end else if (OBITS <= AW) begin : g_acc_out          // accumulator, truncated
      integer q;
      always @* begin
        for (q = 0; q < PE; q = q + 1) y[q*OBITS +: OBITS] = acc[q*AW +: OBITS];
      end
    end else begin : g_acc_out_wide                       // accumulator, sign-extended
      integer q;
      always @* begin
        for (q = 0; q < PE; q = q + 1)
          y[q*OBITS +: OBITS] = {{(OBITS-AW){acc[q*AW+AW-1]}}, acc[q*AW +: AW]};
      end
    end
  endgenerate

  always @(posedge clk) begin
    if (!rst_n) m_valid <= 1'b0;
    else if (en) m_valid <= accv;
  end
  always @(posedge clk) begin
    if (en && accv) m_data <= y;
  end

  assign m_axis_tvalid = m_valid;
  assign m_axis_tdata = m_data;
endmodule
