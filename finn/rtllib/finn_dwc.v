// Stream data-width converter: the same bit sequence re-cut from IW-bit into
// OW-bit words (word 0's LSB first, golden/streams.py repack_words).
//
// A bit buffer of IW + OW bits holds `have` bits, the oldest at bit 0; bits at
// `have` and above are always 0, so a new word is ORed in at position `have`.
// m_axis_tvalid = (have >= OW), m_axis_tdata = the low OW bits. An input word is
// taken when the buffer has room for IW more bits after this clock's output,
// i.e. when have - (pop ? OW : 0) <= OW, so both sides move every clock when
// the rates allow and a frame of B bits takes max(B/IW, B/OW) clocks. Any IW and
// OW work; the frame length is not needed. s_axis_tready depends
// combinationally on m_axis_tready (allowed by AXI-Stream). Latency: a word
// taken at clock edge e can be on m_axis after edge e.
// For clock speed the decisions are registered: `have - OW` and the comparisons of
// `have` with OW and 2*OW are kept in registers beside `have`, so that from the
// sink's ready to the buffer's shifter there is a mux, not a subtraction and compare;
// and their next values are selected, not computed, by the handshakes.
module finn_dwc #(
  parameter integer IW = 16,
  parameter integer OW = 8
) (
  input  wire          clk,
  input  wire          rst_n,
  input  wire [IW-1:0] s_axis_tdata,
  input  wire          s_axis_tvalid,
  output wire          s_axis_tready,
  output wire [OW-1:0] m_axis_tdata,
  output wire          m_axis_tvalid,
  input  wire          m_axis_tready
);
  localparam integer BW = IW + OW;
  localparam integer NW = $clog2(BW + 1);
  localparam [31:0] OW32 = OW;
  localparam [NW-1:0] OWN = OW32[NW-1:0];

  reg [BW-1:0] bits;
  reg [NW-1:0] have;
  reg [NW-1:0] have_less;    // have - OW (used only when have >= OW)
  reg full_word;             // have >= OW
  reg room_kept;             // have <= OW: room for a word without an output
  reg room_popped;           // have <= 2*OW: room for a word after an output

  wire pop = full_word && m_axis_tready;
  wire [NW-1:0] kept = pop ? have_less : have;       // bits left after this output
  wire [BW-1:0] rest = pop ? {{OW{1'b0}}, bits[BW-1:OW]} : bits;
  assign s_axis_tready = pop ? room_popped : room_kept;
  wire push = s_axis_tvalid && s_axis_tready;

  assign m_axis_tvalid = full_word;
  assign m_axis_tdata = bits[OW-1:0];

  // The next state for each of the four cases (no output / output / input / both:
  // have + 0, - OW, + IW, + IW - OW) is worked out from the registers alone, as sums
  // with constants and comparisons of `have` with constants; pop and push only select
  // among them, so the late ready and valid signals drive a mux, not arithmetic.
  wire signed [31:0] have_s = {{(32-NW){1'b0}}, have};
  wire [NW-1:0] c_have [0:3];
  wire [NW-1:0] c_less [0:3];
  wire [3:0] c_full, c_kept, c_popped;
  genvar gk;
  generate
    for (gk = 0; gk < 4; gk = gk + 1) begin : g_case
      localparam integer D = (gk == 0) ? 0 : (gk == 1) ? -OW : (gk == 2) ? IW : IW - OW;
      localparam [31:0] D32 = D;
      localparam [31:0] L32 = D - OW;
      assign c_have[gk] = have + D32[NW-1:0];
      assign c_less[gk] = have + L32[NW-1:0];
      assign c_full[gk] = (have_s >= OW - D);
      assign c_kept[gk] = (have_s <= OW - D);
      assign c_popped[gk] = (have_s <= 2 * OW - D);
    end
  endgenerate
  wire [1:0] sel = {push, pop};

  always @(posedge clk) begin
    if (!rst_n) begin
      bits <= {BW{1'b0}};
      have <= {NW{1'b0}};
      have_less <= {NW{1'b0}} - OWN;
      full_word <= 1'b0;
      room_kept <= 1'b1;
      room_popped <= 1'b1;
    end else begin
      bits <= push ? (rest | ({{OW{1'b0}}, s_axis_tdata} << kept)) : rest;
      have <= c_have[sel];
      have_less <= c_less[sel];
      full_word <= c_full[sel];
      room_kept <= c_kept[sel];
      room_popped <= c_popped[sel];
    end
  end
endmodule
