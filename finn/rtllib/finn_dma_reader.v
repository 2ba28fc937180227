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
  localparam integer MBL = $clog2(MEM_W / 8);
  localparam integer CW = $clog2(FIFO_DEPTH + 1) + 1;
  localparam integer OW = $clog2(OUTSTANDING + 1);
  localparam integer UW = (CW > 9) ? CW + 1 : 10;  // beats held + reserved + the next burst
  localparam [31:0] DEPTH32 = FIFO_DEPTH;
  localparam [31:0] OUT32 = OUTSTANDING;
  localparam [UW-1:0] DEPTH_U = DEPTH32[UW-1:0];
  localparam [OW-1:0] OUT_O = OUT32[OW-1:0];
  localparam [2:0] SIZE = MBL[2:0];

  assign m_axi_arsize = SIZE;
  assign m_axi_arburst = 2'b01;    // INCR
  assign m_axi_arcache = 4'b0011;  // normal, non-cacheable, bufferable (as HLS masters)
  assign m_axi_arprot = 3'b000;
  assign m_axi_rready = 1'b1;      // room for every requested beat was reserved

  // this port's bursts: frames PORT, PORT+PORTS, ...
  wire burst_ready, bursts_done, load;
  wire [ADDR_W-1:0] burst_addr;
  wire [8:0] burst_len;
  /* verilator lint_off PINCONNECTEMPTY */
  finn_dma_bursts #(.MEM_W(MEM_W), .FRAME_BYTES(FRAME_BYTES), .MAX_BURST(MAX_BURST), .ADDR_W(ADDR_W),
                    .FIRST(PORT), .EVERY(PORTS)) bursts (
    .clk(clk), .rst_n(rst_n), .start(start), .base(base), .frames(frames), .take(load),
    .ready(burst_ready), .done(bursts_done), .addr(burst_addr), .len(burst_len), .ends_frame()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  reg [CW-1:0] reserved;           // beats requested, not yet received
  reg [OW-1:0] inflight;           // bursts requested, last beat not yet received
  wire [CW-1:0] held;
  wire [UW-1:0] used = {{(UW-CW){1'b0}}, held} + {{(UW-CW){1'b0}}, reserved} + {{(UW-9){1'b0}}, burst_len};
  assign load = busy && burst_ready && (used <= DEPTH_U) && (inflight < OUT_O)
                && (!m_axi_arvalid || m_axi_arready);
  wire beat_in = m_axi_rvalid;     // rready is always high
  wire burst_end = m_axi_rvalid && m_axi_rlast;
  /* verilator lint_off UNUSEDSIGNAL */
  wire [CW+8:0] len_wide = {{CW{1'b0}}, burst_len};
  /* verilator lint_on UNUSEDSIGNAL */

  always @(posedge clk) begin
    if (!rst_n) begin
      busy <= 1'b0; err_slv <= 1'b0; err_dec <= 1'b0;
      reserved <= {CW{1'b0}}; inflight <= {OW{1'b0}};
      m_axi_araddr <= {ADDR_W{1'b0}}; m_axi_arlen <= 8'd0; m_axi_arvalid <= 1'b0;
    end else begin
      if (start) begin
        busy <= 1'b1;
        err_slv <= 1'b0;
        err_dec <= 1'b0;
      end else begin
        if (load) begin
          m_axi_araddr <= burst_addr;
          m_axi_arlen <= burst_len[7:0] - 8'd1;
          m_axi_arvalid <= 1'b1;
        end else if (m_axi_arready) begin
          m_axi_arvalid <= 1'b0;
        end
        if (busy && bursts_done && !m_axi_arvalid && inflight == {OW{1'b0}}) busy <= 1'b0;
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
