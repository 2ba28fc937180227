// One memory port of the input DMA: reads the frames PORT, PORT+PORTS, PORT+2*PORTS,
// ... of a transfer (frame f at base + f*STRIDE, STRIDE = the frame padded to whole
// beats) as AXI4 INCR bursts into a beat FIFO.
// - a burst is at most MAX_BURST beats, stays inside its frame and never crosses a
//   4 KiB boundary;
// - at most OUTSTANDING bursts are in flight, and a burst is only issued when the
//   beat FIFO has room for all of it, so RREADY is always high and the stream side
//   may stall for any time without stalling the memory port's read channel;
// - an error response (SLVERR, DECERR) is recorded; the burst's beats still count,
//   so the transfer always runs to its end.
// `busy` is high from `start` until every burst of this port has completed.
module finn_dma_reader #(
  parameter integer MEM_W = 64,
  parameter integer FRAME_BYTES = 1,
  parameter integer MAX_BURST = 16,
  parameter integer OUTSTANDING = 8,
  parameter integer ADDR_W = 32,
  parameter integer PORT = 0,
  parameter integer PORTS = 1,
  parameter integer FIFO_DEPTH = 128
) (
  input  wire              clk,
  input  wire              rst_n,
  input  wire              start,
  input  wire [ADDR_W-1:0] base,
  input  wire [31:0]       frames,
  output reg               busy,
  output reg               err_slv,
  output reg               err_dec,
  output reg  [ADDR_W-1:0] m_axi_araddr,
  output reg  [7:0]        m_axi_arlen,
  output wire [2:0]        m_axi_arsize,
  output wire [1:0]        m_axi_arburst,
  output wire [3:0]        m_axi_arcache,
  output wire [2:0]        m_axi_arprot,
  output reg               m_axi_arvalid,
  input  wire              m_axi_arready,
  input  wire [MEM_W-1:0]  m_axi_rdata,
  input  wire [1:0]        m_axi_rresp,
  input  wire              m_axi_rlast,
  input  wire              m_axi_rvalid,
  output wire              m_axi_rready,
  output wire [MEM_W-1:0]  m_data,
  output wire              m_valid,
  input  wire              m_ready
);
  localparam integer MB = MEM_W / 8;
  localparam integer MBL = $clog2(MB);
  localparam integer BEATS = (FRAME_BYTES + MB - 1) / MB;
  localparam integer STRIDE = BEATS * MB;
  localparam integer CW = $clog2(FIFO_DEPTH + 1) + 1;
  localparam integer OW = $clog2(OUTSTANDING + 1);
  // burst arithmetic in LW bits (beats of a frame, beats to a 4 KiB page), not 32: short
  // carry chains
  localparam integer LW0 = $clog2(BEATS + 1);
  localparam integer LW = (LW0 > 13) ? LW0 : 13;
  localparam [31:0] BEATS_32 = BEATS;
  localparam [LW-1:0] BEATS_L = BEATS_32[LW-1:0];
  localparam [31:0] BURST_32 = MAX_BURST;
  localparam [LW-1:0] BURST_L = BURST_32[LW-1:0];
  localparam integer UW = (CW > 9) ? CW + 1 : 10;  // beats held + reserved + the next burst
  localparam [UW-1:0] DEPTH_U = DEPTH32[UW-1:0];
  localparam [OW-1:0] OUT_O = OUT32[OW-1:0];
  localparam [31:0] DEPTH32 = FIFO_DEPTH;
  localparam [31:0] OUT32 = OUTSTANDING;
  localparam [31:0] PORT32 = PORT;
  localparam [31:0] PORTS32 = PORTS;
  localparam [ADDR_W-1:0] FIRST_OFFSET = PORT * STRIDE;
  localparam [ADDR_W-1:0] FRAME_STEP = PORTS * STRIDE;
  localparam [2:0] SIZE = MBL[2:0];

  assign m_axi_arsize = SIZE;
  assign m_axi_arburst = 2'b01;    // INCR
  assign m_axi_arcache = 4'b0011;  // normal, non-cacheable, bufferable (as HLS masters)
  assign m_axi_arprot = 3'b000;
  assign m_axi_rready = 1'b1;      // room for every requested beat was reserved

  // The next burst to issue: its address, its frame and its first beat in the frame.
  // For clock speed its length is worked out one cycle ahead into `len_q` (`len_ok`):
  // after each issued burst one cycle goes to the next length, so a port issues at most
  // one burst every two cycles (a burst of two or more beats keeps the port busy).
  reg [31:0] frame;
  reg [ADDR_W-1:0] frame_addr;     // the address of the frame being read
  reg [ADDR_W-1:0] next_addr;      // the next burst's address
  reg [LW-1:0] beat;
  reg [8:0] len_q;                 // the next burst's length, when len_ok
  reg ends_q;                      // it completes its frame
  reg len_ok;
  reg [CW-1:0] reserved;           // beats requested, not yet received
  reg [OW-1:0] inflight;           // bursts requested, last beat not yet received
  wire [CW-1:0] held;

  wire [12:0] to_page = 13'd4096 - {1'b0, next_addr[11:0]};
  wire [LW-1:0] page_beats = {{(LW-13){1'b0}}, to_page} >> MBL;
  wire [LW-1:0] frame_left = BEATS_L - beat;
  wire [LW-1:0] len_a = (frame_left < BURST_L) ? frame_left : BURST_L;
  wire [LW-1:0] len = (page_beats < len_a) ? page_beats : len_a;
  reg  more_q;                     // frames remain for this port (prepared with len_q)
  wire have_next = busy && len_ok && more_q;
  wire [UW-1:0] used = {{(UW-CW){1'b0}}, held} + {{(UW-CW){1'b0}}, reserved} + {{(UW-9){1'b0}}, len_q};
  wire can_issue = have_next && (used <= DEPTH_U) && (inflight < OUT_O);
  wire load = can_issue && (!m_axi_arvalid || m_axi_arready);
  wire beat_in = m_axi_rvalid;     // rready is always high
  wire burst_end = m_axi_rvalid && m_axi_rlast;
  /* verilator lint_off UNUSEDSIGNAL */
  wire [CW+8:0] len_wide = {{CW{1'b0}}, len_q};
  wire [63:0] len_bytes = {55'd0, len_q} << MBL;
  /* verilator lint_on UNUSEDSIGNAL */

  always @(posedge clk) begin
    if (!rst_n) begin
      busy <= 1'b0; err_slv <= 1'b0; err_dec <= 1'b0;
      frame <= 32'd0; frame_addr <= {ADDR_W{1'b0}}; next_addr <= {ADDR_W{1'b0}}; beat <= {LW{1'b0}};
      len_q <= 9'd0; ends_q <= 1'b0; len_ok <= 1'b0; more_q <= 1'b0;
      reserved <= {CW{1'b0}}; inflight <= {OW{1'b0}};
      m_axi_araddr <= {ADDR_W{1'b0}}; m_axi_arlen <= 8'd0; m_axi_arvalid <= 1'b0;
    end else begin
      if (start) begin
        busy <= 1'b1;
        err_slv <= 1'b0;
        err_dec <= 1'b0;
        frame <= PORT32;
        frame_addr <= base + FIRST_OFFSET;
        next_addr <= base + FIRST_OFFSET;
        beat <= {LW{1'b0}};
        len_ok <= 1'b0;
      end else begin
        if (load) begin
          m_axi_araddr <= next_addr;
          m_axi_arlen <= len_q[7:0] - 8'd1;
          m_axi_arvalid <= 1'b1;
          len_ok <= 1'b0;
          if (ends_q) begin
            beat <= {LW{1'b0}};
            frame <= frame + PORTS32;
            frame_addr <= frame_addr + FRAME_STEP;
            next_addr <= frame_addr + FRAME_STEP;
          end else begin
            beat <= beat + {{(LW-9){1'b0}}, len_q};
            next_addr <= next_addr + len_bytes[ADDR_W-1:0];
          end
        end else begin
          if (m_axi_arready) m_axi_arvalid <= 1'b0;
          if (!len_ok) begin
            len_q <= len[8:0];
            ends_q <= (len == frame_left);
            more_q <= (frame < frames);
            len_ok <= 1'b1;
          end
        end
        if (busy && len_ok && !more_q && !m_axi_arvalid && inflight == {OW{1'b0}}) busy <= 1'b0;
      end
      reserved <= reserved + (load ? len_wide[CW-1:0] : {CW{1'b0}}) - (beat_in ? {{(CW-1){1'b0}}, 1'b1} : {CW{1'b0}});
      inflight <= inflight + (load ? {{(OW-1){1'b0}}, 1'b1} : {OW{1'b0}})
                  - (burst_end ? {{(OW-1){1'b0}}, 1'b1} : {OW{1'b0}});
      if (m_axi_rvalid && m_axi_rresp == 2'b10) err_slv <= 1'b1;
      if (m_axi_rvalid && m_axi_rresp == 2'b11) err_dec <= 1'b1;
    end
  end

  /* verilator lint_off PINCONNECTEMPTY */
  finn_fifo #(.WIDTH(MEM_W), .DEPTH(FIFO_DEPTH)) beats (
    .clk(clk), .rst_n(rst_n),
    .s_axis_tdata(m_axi_rdata), .s_axis_tvalid(beat_in), .s_axis_tready(),
    .m_axis_tdata(m_data), .m_axis_tvalid(m_valid), .m_axis_tready(m_ready),
    .count(held[CW-2:0])
  );
  /* verilator lint_on PINCONNECTEMPTY */
  assign held[CW-1] = 1'b0;
endmodule
