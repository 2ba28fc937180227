// Gearbox of the output DMA: stream words (STREAM_W bits, whole bytes) in, memory
// beats (MEM_W bits) out. Every FRAME_BYTES / (STREAM_W/8) words make a frame, which
// leaves as exactly ceil(FRAME_BYTES / (MEM_W/8)) beats: its last beat is completed
// with zero bytes (the output DMA's WSTRB keeps them out of memory), and the next
// frame starts on a new beat. One word in and one beat out per cycle (s_ready
// depends on m_ready combinationally). The bytes above `cnt` are kept zero.
module finn_dma_pack #(
  parameter integer MEM_W = 64,
  parameter integer STREAM_W = 8,
  parameter integer FRAME_BYTES = 1
) (
  input  wire                clk,
  input  wire                rst_n,
  input  wire [STREAM_W-1:0] s_data,
  input  wire                s_valid,
  output wire                s_ready,
  output wire [MEM_W-1:0]    m_data,
  output wire                m_valid,
  input  wire                m_ready
);
  localparam integer MB = MEM_W / 8;
  localparam integer WB = STREAM_W / 8;
  localparam integer CAP = WB + MB;
  localparam integer CB = $clog2(CAP + 1);
  localparam integer WORDS = FRAME_BYTES / WB;
  localparam integer WDB = (WORDS > 1) ? $clog2(WORDS) : 1;
  localparam [31:0] WORD_LAST32 = WORDS - 1;
  localparam [WDB-1:0] WORD_LAST = WORD_LAST32[WDB-1:0];
  localparam [31:0] WB32 = WB;
  localparam [31:0] MB32 = MB;
  localparam [CB-1:0] WBC = WB32[CB-1:0];
  localparam [CB-1:0] MBC = MB32[CB-1:0];

  reg [8*CAP-1:0] buffer;
  reg [CB-1:0] cnt;
  reg [WDB-1:0] word;
  reg tail;                        // the frame's last word is in: flush, then next frame

  assign m_valid = (cnt >= MBC) || (tail && cnt != {CB{1'b0}});
  assign m_data = buffer[MEM_W-1:0];
  wire emit = m_valid && m_ready;
  wire [CB-1:0] cnt_e = !emit ? cnt : (cnt >= MBC) ? cnt - MBC : {CB{1'b0}};
  wire tail_e = tail && (cnt_e != {CB{1'b0}});  // still flushing after this cycle
  assign s_ready = !tail_e && (cnt_e <= MBC);
  wire take = s_valid && s_ready;
  wire last_word = (word == WORD_LAST);

  wire [8*CAP-1:0] shifted = emit ? (buffer >> MEM_W) : buffer;
  wire [8*CAP-1:0] widened = {{(8*CAP-STREAM_W){1'b0}}, s_data};

  always @(posedge clk) begin
    if (!rst_n) begin
      buffer <= {8*CAP{1'b0}};
      cnt <= {CB{1'b0}};
      word <= {WDB{1'b0}};
      tail <= 1'b0;
    end else begin
      if (take) begin
        buffer <= shifted | (widened << {cnt_e, 3'b000});
        cnt <= cnt_e + WBC;
        word <= last_word ? {WDB{1'b0}} : word + 1'b1;
        tail <= last_word;
      end else begin
        buffer <= shifted;
        cnt <= cnt_e;
        tail <= tail_e;
      end
    end
  end
endmodule
