// The bursts of a DMA transfer, one after the other (both DMAs' request channels use it).
//
// Frames FIRST, FIRST+EVERY, FIRST+2*EVERY, ... below `frames` are moved; frame f sits at
// base + f*STRIDE (STRIDE = FRAME_BYTES padded to whole MEM_W beats). A burst is at most
// MAX_BURST beats, stays inside its frame and never crosses a 4 KiB boundary.
// `ready` offers the next burst (`addr`, `len` beats, `ends_frame`); `take` issues it.
// For clock speed each burst's length is worked out one cycle ahead, from registers:
// after a `take`, one cycle goes to the next length, so a burst is offered at most
// every two cycles. `done` says (on the same prepared cycle) that no frames remain.
module finn_dma_bursts #(
  parameter integer MEM_W = 64,
  parameter integer FRAME_BYTES = 1,
  parameter integer MAX_BURST = 16,
  parameter integer ADDR_W = 32,
  parameter integer FIRST = 0,
  parameter integer EVERY = 1
) (
  input  wire              clk,
  input  wire              rst_n,
  input  wire              start,
  input  wire [ADDR_W-1:0] base,
  input  wire [31:0]       frames,
  input  wire              take,
  output wire              ready,
  output wire              done,
  output reg  [ADDR_W-1:0] addr,
  output reg  [8:0]        len,
  output reg               ends_frame
);
  localparam integer MB = MEM_W / 8;
  localparam integer MBL = $clog2(MB);
  localparam integer BEATS = (FRAME_BYTES + MB - 1) / MB;
  localparam integer STRIDE = BEATS * MB;
  // burst arithmetic in LW bits (beats of a frame, beats to a 4 KiB page), not 32: short
  // carry chains
  localparam integer LW0 = $clog2(BEATS + 1);
  localparam integer LW = (LW0 > 13) ? LW0 : 13;
  localparam [31:0] BEATS_32 = BEATS;
  localparam [LW-1:0] BEATS_L = BEATS_32[LW-1:0];
  localparam [31:0] BURST_32 = MAX_BURST;
  localparam [LW-1:0] BURST_L = BURST_32[LW-1:0];
  localparam [31:0] FIRST_32 = FIRST;
  localparam [31:0] EVERY_32 = EVERY;
  localparam [63:0] FIRST_OFFSET = FIRST * STRIDE;
  localparam [63:0] FRAME_STEP = EVERY * STRIDE;

  reg [31:0] frame;                // the frame of the offered burst
  reg [ADDR_W-1:0] frame_addr;     // its address
  reg [LW-1:0] beat;               // the burst's first beat in the frame
  reg prepared, more;              // len/ends_frame are worked out; frames remain

  wire [12:0] to_page = 13'd4096 - {1'b0, addr[11:0]};
  wire [LW-1:0] page_beats = {{(LW-13){1'b0}}, to_page} >> MBL;
  wire [LW-1:0] frame_left = BEATS_L - beat;
  wire [LW-1:0] len_a = (frame_left < BURST_L) ? frame_left : BURST_L;
  wire [LW-1:0] len_n = (page_beats < len_a) ? page_beats : len_a;
  /* verilator lint_off UNUSEDSIGNAL */
  wire [63:0] len_bytes = {55'd0, len} << MBL;
  /* verilator lint_on UNUSEDSIGNAL */
  wire [ADDR_W-1:0] next_frame = frame_addr + FRAME_STEP[ADDR_W-1:0];

  assign ready = prepared && more;
  assign done = prepared && !more;

  always @(posedge clk) begin
    if (!rst_n) begin
      frame <= 32'd0; frame_addr <= {ADDR_W{1'b0}}; addr <= {ADDR_W{1'b0}}; beat <= {LW{1'b0}};
      len <= 9'd0; ends_frame <= 1'b0; prepared <= 1'b0; more <= 1'b0;
    end else if (start) begin
      frame <= FIRST_32;
      frame_addr <= base + FIRST_OFFSET[ADDR_W-1:0];
      addr <= base + FIRST_OFFSET[ADDR_W-1:0];
      beat <= {LW{1'b0}};
      prepared <= 1'b0;
    end else if (take) begin
      prepared <= 1'b0;
      if (ends_frame) begin
        beat <= {LW{1'b0}};
        frame <= frame + EVERY_32;
        frame_addr <= next_frame;
        addr <= next_frame;
      end else begin
        beat <= beat + {{(LW-9){1'b0}}, len};
        addr <= addr + len_bytes[ADDR_W-1:0];
      end
    end else if (!prepared) begin
      len <= len_n[8:0];
      ends_frame <= (len_n == frame_left);
      more <= (frame < frames);
      prepared <= 1'b1;
    end
  end
endmodule
