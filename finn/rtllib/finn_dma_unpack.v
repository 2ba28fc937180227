// Gearbox of the input DMA: memory beats (MEM_W bits) in, stream words (STREAM_W
// bits, whole bytes) out. A frame is FRAME_BYTES bytes of words packed little-endian
// and padded to whole beats; the padding of a frame's last beat is dropped, so the
// words of consecutive frames come out back to back.
// One beat in and one word out per cycle: a beat is taken in the cycle a word leaves
// whenever the bytes left fit (s_ready depends on m_ready combinationally). The bytes
// above `cnt` are kept zero, so a new beat is ORed in at byte `cnt`.
module finn_dma_unpack #(
  parameter integer MEM_W = 64,
  parameter integer STREAM_W = 8,
  parameter integer FRAME_BYTES = 1
) (
  input  wire                clk,
  input  wire                rst_n,
  input  wire [MEM_W-1:0]    s_data,
  input  wire                s_valid,
  output wire                s_ready,
  output wire [STREAM_W-1:0] m_data,
  output wire                m_valid,
  input  wire                m_ready
);
  localparam integer MB = MEM_W / 8;
  localparam integer WB = STREAM_W / 8;
  localparam integer CAP = WB + MB;          // bytes held at most
  localparam integer CB = $clog2(CAP + 1);
  localparam integer BEATS = (FRAME_BYTES + MB - 1) / MB;
  localparam integer LAST_BYTES = FRAME_BYTES - (BEATS - 1) * MB;
  localparam integer BB = (BEATS > 1) ? $clog2(BEATS) : 1;
  localparam [31:0] BEAT_LAST32 = BEATS - 1;
  localparam [BB-1:0] BEAT_LAST = BEAT_LAST32[BB-1:0];
  localparam [31:0] WB32 = WB;
  localparam [31:0] MB32 = MB;
  localparam [31:0] LB32 = LAST_BYTES;
  localparam [CB-1:0] WBC = WB32[CB-1:0];
  localparam [CB-1:0] MBC = MB32[CB-1:0];
  localparam [CB-1:0] LBC = LB32[CB-1:0];

  reg [8*CAP-1:0] buffer;
  reg [CB-1:0] cnt;
  reg [BB-1:0] beat;

  assign m_valid = (cnt >= WBC);
  assign m_data = buffer[STREAM_W-1:0];
  wire emit = m_valid && m_ready;
  wire [CB-1:0] cnt_e = emit ? cnt - WBC : cnt;
  assign s_ready = (cnt_e <= WBC);
  wire take = s_valid && s_ready;
  wire last_beat = (beat == BEAT_LAST);
  wire [CB-1:0] in_bytes = last_beat ? LBC : MBC;

  // the beat without the frame's padding bytes
  reg [MEM_W-1:0] kept;
  integer b;
  always @* begin
    kept = s_data;
    for (b = 0; b < MB; b = b + 1) if (last_beat && b >= LAST_BYTES) kept[b*8 +: 8] = 8'd0;
  end

  wire [8*CAP-1:0] shifted = emit ? (buffer >> STREAM_W) : buffer;
  wire [8*CAP-1:0] widened = {{(8*CAP-MEM_W){1'b0}}, kept};

  always @(posedge clk) begin
    if (!rst_n) begin
      buffer <= {8*CAP{1'b0}};
      cnt <= {CB{1'b0}};
      beat <= {BB{1'b0}};
    end else begin
      if (take) begin
        buffer <= shifted | (widened << {cnt_e, 3'b000});
        cnt <= cnt_e + in_bytes;
        beat <= last_beat ? {BB{1'b0}} : beat + 1'b1;
      end else begin
        buffer <= shifted;
        cnt <= cnt_e;
      end
    end
  end
endmodule
