// Label select: the indices of the K largest of L scores, PE scores per word.
//
// A working list of the K best (score, index) pairs, sorted best first, takes the
// PE scores of each input word in one clock through a chain of PE insertion
// stages. An insertion places the new score after every entry >= it, so it
// displaces only strictly smaller scores and equal scores keep the lower index
// first. The first word of a vector starts from an empty list (no clear cycle).
//
// The last word of a vector copies the final list's indices into a result
// shift register, which emits them best first, one OBITS-bit word per clock,
// while the next vector is consumed. That last word waits (s_axis_tready = 0)
// only while the result register is still busy after this clock; s_axis_tready
// depends combinationally on m_axis_tready (allowed by AXI-Stream). Latency: the
// first index is on m_axis after the clock edge that takes the vector's last word.
module finn_labelselect #(
  parameter integer L = 10,
  parameter integer PE = 1,
  parameter integer K = 1,
  parameter integer IBITS = 8,
  parameter integer IKIND = 1,   // 0 unsigned, 1 signed, 2 bipolar (orders like unsigned)
  parameter integer OBITS = 4    // index width, at least $clog2(L)
) (
  input  wire                clk,
  input  wire                rst_n,
  input  wire [PE*IBITS-1:0] s_axis_tdata,
  input  wire                s_axis_tvalid,
  output wire                s_axis_tready,
  output wire [OBITS-1:0]    m_axis_tdata,
  output wire                m_axis_tvalid,
  input  wire                m_axis_tready
);
  localparam integer RW = $clog2(K + 1);
  localparam integer VW = K * IBITS;      // one list's scores
  localparam integer IW = K * OBITS;      // one list's indices
  localparam [31:0] LASTBASE32 = L - PE;
  localparam [31:0] PE32 = PE;
  localparam [31:0] K32 = K;
  localparam [31:0] ONE32 = 1;
  // signed scores compare as unsigned once their sign bit is flipped
  localparam [31:0] FLIP32 = (IKIND == 1) ? (ONE32 << (IBITS - 1)) : 32'd0;
  localparam [OBITS-1:0] LASTBASE = LASTBASE32[OBITS-1:0];
  localparam [OBITS-1:0] PEO = PE32[OBITS-1:0];
  localparam [RW-1:0] KR = K32[RW-1:0];
  localparam [RW-1:0] ONER = ONE32[RW-1:0];
  localparam [IBITS-1:0] FLIP = FLIP32[IBITS-1:0];

  // working list: scores as unsigned order keys, indices, entry valid bits
  reg [VW-1:0] w_key;
  reg [IW-1:0] w_idx;
  reg [K-1:0] w_ok;
  reg [OBITS-1:0] base;          // index of element 0 of the next input word
  // result bank: indices still to emit, entry 0 on m_axis
  reg [IW-1:0] r_idx;
  reg [RW-1:0] r_left;

  wire first = (base == {OBITS{1'b0}});
  wire last = (base == LASTBASE);
  wire pop = m_axis_tvalid && m_axis_tready;
  wire r_free = (r_left == {RW{1'b0}}) || (r_left == ONER && m_axis_tready);

  assign s_axis_tready = !last || r_free;
  assign m_axis_tvalid = (r_left != {RW{1'b0}});
  assign m_axis_tdata = r_idx[OBITS-1:0];

  wire push = s_axis_tvalid && s_axis_tready;

  // insertion chain: stage p holds the list after inserting elements 0..p-1
  wire [(PE+1)*VW-1:0] c_key;
  wire [(PE+1)*IW-1:0] c_idx;
  wire [(PE+1)*K-1:0] c_ok;
  assign c_key[VW-1:0] = w_key;
  assign c_idx[IW-1:0] = w_idx;
  assign c_ok[K-1:0] = first ? {K{1'b0}} : w_ok;

  genvar p, j;
  generate
    for (p = 0; p < PE; p = p + 1) begin : g_ins
      localparam [31:0] P32 = p;
      wire [IBITS-1:0] key = s_axis_tdata[p*IBITS +: IBITS] ^ FLIP;
      wire [OBITS-1:0] idx = base + P32[OBITS-1:0];
      wire [VW-1:0] ik = c_key[p*VW +: VW];
      wire [IW-1:0] ii = c_idx[p*IW +: IW];
      wire [K-1:0] iok = c_ok[p*K +: K];
      // stay[j]: entry j is valid and >= the new score, so it keeps its place;
      // the list is sorted, so stay is a prefix and the new entry goes at its end
      wire [K-1:0] stay;
      for (j = 0; j < K; j = j + 1) begin : g_slot
        assign stay[j] = iok[j] && (ik[j*IBITS +: IBITS] >= key);
        if (j == 0) begin : g_head
          assign c_key[(p+1)*VW + j*IBITS +: IBITS] = stay[j] ? ik[j*IBITS +: IBITS] : key;
          assign c_idx[(p+1)*IW + j*OBITS +: OBITS] = stay[j] ? ii[j*OBITS +: OBITS] : idx;
          assign c_ok[(p+1)*K + j] = 1'b1;
        end else begin : g_tail
          assign c_key[(p+1)*VW + j*IBITS +: IBITS] = stay[j] ? ik[j*IBITS +: IBITS]
                                                   : stay[j-1] ? key : ik[(j-1)*IBITS +: IBITS];
          assign c_idx[(p+1)*IW + j*OBITS +: OBITS] = stay[j] ? ii[j*OBITS +: OBITS]
                                                   : stay[j-1] ? idx : ii[(j-1)*OBITS +: OBITS];
          assign c_ok[(p+1)*K + j] = stay[j] || stay[j-1] || iok[j-1];
        end
      end
    end
  endgenerate

  always @(posedge clk) begin
    if (push) begin
      w_key <= c_key[PE*VW +: VW];
      w_idx <= c_idx[PE*IW +: IW];
    end
  end

  // the result bank shifts toward entry 0 as indices leave
  generate
    if (K > 1) begin : g_shift
      always @(posedge clk) begin
        if (push && last) r_idx <= c_idx[PE*IW +: IW];
        else if (pop) r_idx <= {{OBITS{1'b0}}, r_idx[IW-1:OBITS]};
      end
    end else begin : g_single
      always @(posedge clk) begin
        if (push && last) r_idx <= c_idx[PE*IW +: IW];
      end
    end
  endgenerate

  always @(posedge clk) begin
    if (!rst_n) begin
      w_ok <= {K{1'b0}};
      base <= {OBITS{1'b0}};
      r_left <= {RW{1'b0}};
    end else begin
      if (push) begin
        w_ok <= c_ok[PE*K +: K];
        base <= last ? {OBITS{1'b0}} : base + PEO;
      end
      if (push && last) r_left <= KR;
      else if (pop) r_left <= r_left - ONER;
    end
  end
endmodule
