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
  localparam [31:0] IW32 = IW;
  localparam [NW-1:0] OWN = OW32[NW-1:0];
  localparam [NW-1:0] IWN = IW32[NW-1:0];

  reg [BW-1:0] bits;
  reg [NW-1:0] have;

  wire pop = m_axis_tvalid && m_axis_tready;
  wire [NW-1:0] kept = pop ? have - OWN : have;       // bits left after this output
  wire [BW-1:0] rest = pop ? {{OW{1'b0}}, bits[BW-1:OW]} : bits;
  wire push = s_axis_tvalid && s_axis_tready;

  assign s_axis_tready = (kept <= OWN);
  assign m_axis_tvalid = (have >= OWN);
  assign m_axis_tdata = bits[OW-1:0];

  always @(posedge clk) begin
    if (!rst_n) begin
      bits <= {BW{1'b0}};
      have <= {NW{1'b0}};
    end else begin
      bits <= push ? (rest | ({{OW{1'b0}}, s_axis_tdata} << kept)) : rest;
      have <= push ? kept + IWN : kept;
    end
  end
endmodule
