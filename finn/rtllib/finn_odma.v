// Output DMA: takes `frames` frames of the accelerator's output stream and writes
// them to memory over one AXI4 master port. Programmed through finn_axil_ctrl's
// register map (the same as the input DMA's).
//
// Memory layout as the input DMA's: frame f at base + f*STRIDE, STRIDE = FRAME_BYTES
// rounded up to whole beats; only the frame's bytes are written (WSTRB is low on the
// padding of a frame's last beat). The stream is counted in words (FRAME_BYTES /
// (STREAM_W/8) a frame; tlast is not needed) and only taken while a transfer runs
// and frames remain. finn_dma_pack -> beat FIFO; a burst (at most MAX_BURST beats,
// inside its frame, never across 4 KiB) is requested once all its beats are in the
// FIFO, so the write data never waits for the stream; at most OUTSTANDING bursts
// await their response. `done` follows the last write response; an error response
// (SLVERR, DECERR) is recorded in the status register and the transfer runs to its end.
module finn_odma #(
  parameter integer MEM_W = 64,
  parameter integer STREAM_W = 8,
  parameter integer FRAME_BYTES = 1,
  parameter integer MAX_BURST = 16,
  parameter integer OUTSTANDING = 8,
  parameter integer ADDR_W = 32,
  parameter integer FIFO_DEPTH = 32
) (
  input  wire                clk,
  input  wire                rst_n,
  input  wire [5:0]          s_axi_control_awaddr,
  input  wire                s_axi_control_awvalid,
  output wire                s_axi_control_awready,
  input  wire [31:0]         s_axi_control_wdata,
  input  wire [3:0]          s_axi_control_wstrb,
  input  wire                s_axi_control_wvalid,
  output wire                s_axi_control_wready,
  output wire [1:0]          s_axi_control_bresp,
  output wire                s_axi_control_bvalid,
  input  wire                s_axi_control_bready,
  input  wire [5:0]          s_axi_control_araddr,
  input  wire                s_axi_control_arvalid,
  output wire                s_axi_control_arready,
  output wire [31:0]         s_axi_control_rdata,
  output wire [1:0]          s_axi_control_rresp,
  output wire                s_axi_control_rvalid,
  input  wire                s_axi_control_rready,
  /* verilator lint_off SYMRSVDWORD */
  output wire                interrupt,
  /* verilator lint_on SYMRSVDWORD */
  input  wire [STREAM_W-1:0] s_axis_tdata,
  input  wire                s_axis_tvalid,
  output wire                s_axis_tready,
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire                s_axis_tlast,
  /* verilator lint_on UNUSEDSIGNAL */
  output reg  [ADDR_W-1:0]   m_axi_awaddr,
  output reg  [7:0]          m_axi_awlen,
  output wire [2:0]          m_axi_awsize,
  output wire [1:0]          m_axi_awburst,
  output wire [3:0]          m_axi_awcache,
  output wire [2:0]          m_axi_awprot,
  output reg                 m_axi_awvalid,
  input  wire                m_axi_awready,
  output wire [MEM_W-1:0]    m_axi_wdata,
  output wire [MEM_W/8-1:0]  m_axi_wstrb,
  output wire                m_axi_wlast,
  output wire                m_axi_wvalid,
  input  wire                m_axi_wready,
  input  wire [1:0]          m_axi_bresp,
  input  wire                m_axi_bvalid,
  output wire                m_axi_bready
);
  localparam integer MB = MEM_W / 8;
  localparam integer MBL = $clog2(MB);
  localparam integer WORDS = FRAME_BYTES / (STREAM_W / 8);
  localparam integer BEATS = (FRAME_BYTES + MB - 1) / MB;
  localparam integer LAST_BYTES = FRAME_BYTES - (BEATS - 1) * MB;
  localparam integer CW = $clog2(FIFO_DEPTH + 1);
  localparam integer OW = $clog2(OUTSTANDING + 1);
  localparam integer LW = $clog2(BEATS + 1);  // a beat of a frame
  localparam [31:0] BEATS_32 = BEATS;
  localparam [LW-1:0] BEATS_L = BEATS_32[LW-1:0];
  localparam integer QW = $clog2(OUTSTANDING + 2);
  localparam integer UW = (CW > 9) ? CW + 1 : 10;
  localparam [31:0] OUT32 = OUTSTANDING;
  localparam [OW-1:0] OUT_O = OUT32[OW-1:0];
  localparam [31:0] WORDS32 = WORDS;
  localparam [2:0] SIZE = MBL[2:0];

  assign m_axi_awsize = SIZE;
  assign m_axi_awburst = 2'b01;
  assign m_axi_awcache = 4'b0011;
  assign m_axi_awprot = 3'b000;
  assign m_axi_bready = 1'b1;

  // control
  wire start;
  wire [63:0] addr;
  wire [31:0] frames;
  reg  done, running;
  reg  [3:0] status;
  reg  [31:0] written;             // frames whose last write response came
  finn_axil_ctrl ctrl (
    .clk(clk), .rst_n(rst_n),
    .s_axi_awaddr(s_axi_control_awaddr), .s_axi_awvalid(s_axi_control_awvalid),
    .s_axi_awready(s_axi_control_awready), .s_axi_wdata(s_axi_control_wdata),
    .s_axi_wstrb(s_axi_control_wstrb), .s_axi_wvalid(s_axi_control_wvalid),
    .s_axi_wready(s_axi_control_wready), .s_axi_bresp(s_axi_control_bresp),
    .s_axi_bvalid(s_axi_control_bvalid), .s_axi_bready(s_axi_control_bready),
    .s_axi_araddr(s_axi_control_araddr), .s_axi_arvalid(s_axi_control_arvalid),
    .s_axi_arready(s_axi_control_arready), .s_axi_rdata(s_axi_control_rdata),
    .s_axi_rresp(s_axi_control_rresp), .s_axi_rvalid(s_axi_control_rvalid),
    .s_axi_rready(s_axi_control_rready),
    .start(start), .addr(addr), .frames(frames), .done(done), .status(status),
    .frames_done(written), .interrupt(interrupt)
  );
  /* verilator lint_off UNUSEDSIGNAL */
  wire [63:0] addr_unused = addr;  // the bits above ADDR_W
  /* verilator lint_on UNUSEDSIGNAL */
  wire misaligned = (addr[MBL-1:0] != {MBL{1'b0}});
  wire go = start && !misaligned && (frames != 32'd0);

  // stream in: words of the transfer's frames only
  reg [31:0] in_frames, in_word;
  wire pack_ready;
  wire want = running && (in_frames != frames);
  assign s_axis_tready = want && pack_ready;
  wire word_in = s_axis_tvalid && s_axis_tready;
  wire [MEM_W-1:0] packed_data, beat_data;
  wire packed_valid, packed_ready, beat_valid, beat_ready;
  wire [CW-1:0] held;
  finn_dma_pack #(.MEM_W(MEM_W), .STREAM_W(STREAM_W), .FRAME_BYTES(FRAME_BYTES)) pack (
    .clk(clk), .rst_n(rst_n), .s_data(s_axis_tdata), .s_valid(s_axis_tvalid && want), .s_ready(pack_ready),
    .m_data(packed_data), .m_valid(packed_valid), .m_ready(packed_ready)
  );
  finn_fifo #(.WIDTH(MEM_W), .DEPTH(FIFO_DEPTH)) beats (
    .clk(clk), .rst_n(rst_n),
    .s_axis_tdata(packed_data), .s_axis_tvalid(packed_valid), .s_axis_tready(packed_ready),
    .m_axis_tdata(beat_data), .m_axis_tvalid(beat_valid), .m_axis_tready(beat_ready), .count(held)
  );

  // write requests: the next burst, issued once all its beats are buffered
  wire burst_ready, ends_frame, load;
  wire [ADDR_W-1:0] burst_addr;
  wire [8:0] burst_len;
  /* verilator lint_off PINCONNECTEMPTY */
  finn_dma_bursts #(.MEM_W(MEM_W), .FRAME_BYTES(FRAME_BYTES), .MAX_BURST(MAX_BURST), .ADDR_W(ADDR_W)) bursts (
    .clk(clk), .rst_n(rst_n), .start(start), .base(addr[ADDR_W-1:0]), .frames(frames), .take(load),
    .ready(burst_ready), .done(), .addr(burst_addr), .len(burst_len), .ends_frame(ends_frame)
  );
  /* verilator lint_on PINCONNECTEMPTY */
  reg [CW-1:0] claimed;            // buffered beats that belong to requested bursts
  reg [OW-1:0] inflight;           // bursts requested, response not yet received
  wire [UW-1:0] needed = {{(UW-CW){1'b0}}, claimed} + {{(UW-9){1'b0}}, burst_len};
  wire lens_ready;
  assign load = running && burst_ready && (needed <= {{(UW-CW){1'b0}}, held})
                && (inflight < OUT_O) && lens_ready && (!m_axi_awvalid || m_axi_awready);
  /* verilator lint_off UNUSEDSIGNAL */
  wire [CW+8:0] len_wide = {{CW{1'b0}}, burst_len};
  /* verilator lint_on UNUSEDSIGNAL */

  // write data: the bursts in request order (their lengths in a small FIFO)
  wire [7:0] w_len;
  wire w_have;
  reg  [7:0] w_beat;
  reg  [LW-1:0] w_frame_beat;
  assign m_axi_wvalid = w_have && beat_valid;
  assign m_axi_wdata = beat_data;
  assign m_axi_wlast = (w_beat == w_len);
  wire w_send = m_axi_wvalid && m_axi_wready;
  assign beat_ready = w_have && m_axi_wready;
  wire w_burst_end = w_send && m_axi_wlast;
  wire [MB-1:0] last_strb;
  genvar gb;
  generate
    for (gb = 0; gb < MB; gb = gb + 1) begin : g_strb
      assign last_strb[gb] = (gb < LAST_BYTES);
    end
  endgenerate
  assign m_axi_wstrb = (w_frame_beat == BEATS_L - 1'b1) ? last_strb : {MB{1'b1}};
  /* verilator lint_off PINCONNECTEMPTY */
  finn_fifo #(.WIDTH(8), .DEPTH(OUTSTANDING + 1)) lens (
    .clk(clk), .rst_n(rst_n),
    .s_axis_tdata(burst_len[7:0] - 8'd1), .s_axis_tvalid(load), .s_axis_tready(lens_ready),
    .m_axis_tdata(w_len), .m_axis_tvalid(w_have), .m_axis_tready(w_burst_end), .count()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  // responses: a frame is written when the response of its last burst comes; the
  // bursts' frame ends, in request order, wait in a FIFO of flags
  wire b_in = m_axi_bvalid;
  wire frame_last_flag;
  /* verilator lint_off PINCONNECTEMPTY */
  /* verilator lint_off UNUSEDSIGNAL */
  wire [QW-1:0] flags_count;
  wire flags_valid;
  /* verilator lint_on UNUSEDSIGNAL */
  finn_fifo #(.WIDTH(1), .DEPTH(OUTSTANDING + 1)) flags (
    .clk(clk), .rst_n(rst_n),
    .s_axis_tdata(ends_frame), .s_axis_tvalid(load), .s_axis_tready(),
    .m_axis_tdata(frame_last_flag), .m_axis_tvalid(flags_valid), .m_axis_tready(b_in), .count(flags_count)
  );
  /* verilator lint_on PINCONNECTEMPTY */

  always @(posedge clk) begin
    if (!rst_n) begin
      running <= 1'b0; done <= 1'b0; status <= 4'd0; written <= 32'd0;
      in_frames <= 32'd0; in_word <= 32'd0;
      claimed <= {CW{1'b0}}; inflight <= {OW{1'b0}};
      m_axi_awaddr <= {ADDR_W{1'b0}}; m_axi_awlen <= 8'd0; m_axi_awvalid <= 1'b0;
      w_beat <= 8'd0; w_frame_beat <= {LW{1'b0}};
    end else begin
      done <= 1'b0;
      if (start) begin
        written <= 32'd0;
        in_frames <= 32'd0; in_word <= 32'd0;
        status <= misaligned ? 4'b1001 : 4'b0000;
        if (go) running <= 1'b1;
        else done <= 1'b1;
      end else if (running) begin
        if (word_in) begin
          if (in_word == WORDS32 - 1) begin
            in_word <= 32'd0;
            in_frames <= in_frames + 32'd1;
          end else begin
            in_word <= in_word + 32'd1;
          end
        end
        if (load) begin
          m_axi_awaddr <= burst_addr;
          m_axi_awlen <= burst_len[7:0] - 8'd1;
          m_axi_awvalid <= 1'b1;
        end else if (m_axi_awready) begin
          m_axi_awvalid <= 1'b0;
        end
        if (b_in && frame_last_flag) written <= written + 32'd1;
        if (b_in && m_axi_bresp[1]) status <= status | {1'b0, m_axi_bresp[0], !m_axi_bresp[0], 1'b1};
        if (written == frames) begin
          running <= 1'b0;
          done <= 1'b1;
        end
      end
      claimed <= claimed + (load ? len_wide[CW-1:0] : {CW{1'b0}}) - (w_send ? {{(CW-1){1'b0}}, 1'b1} : {CW{1'b0}});
      inflight <= inflight + (load ? {{(OW-1){1'b0}}, 1'b1} : {OW{1'b0}})
                  - (b_in ? {{(OW-1){1'b0}}, 1'b1} : {OW{1'b0}});
      if (w_send) begin
        w_beat <= m_axi_wlast ? 8'd0 : w_beat + 8'd1;
        w_frame_beat <= (w_frame_beat == BEATS_L - 1'b1) ? {LW{1'b0}} : w_frame_beat + 1'b1;
      end
    end
  end
endmodule
