// Input DMA: reads `frames` frames from memory over PORTS AXI4 master ports and
// emits them as one AXI-Stream of the accelerator's input words (tlast on each
// frame's last word). Programmed through finn_axil_ctrl's register map.
//
// Memory layout: frame f is FRAME_BYTES bytes (its stream words, STREAM_W/8 bytes
// each, little-endian, back to back) at base + f*STRIDE, STRIDE = FRAME_BYTES rounded
// up to whole MEM_W beats. Frame f is read through port f mod PORTS (striping: each
// port moves 1/PORTS of the data). Per port: finn_dma_reader (bursts, 4 KiB rule,
// outstanding reads) -> beat FIFO -> 2 registered beats -> finn_dma_unpack -> word FIFO; the stream takes a
// whole frame from each port in turn. A port's word FIFO holds a frame, so a port
// fills its next frame while the others are sent, and the stream runs at one word
// per cycle when the ports together deliver enough bytes.
//
// A transfer always ends with `done` (ap_done): with frames = 0 or an unaligned
// buffer address at once (status bit 3 for the latter, nothing read), after an AXI
// error response at its normal end with the error in the status register.
module finn_idma #(
  parameter integer MEM_W = 64,
  parameter integer STREAM_W = 8,
  parameter integer FRAME_BYTES = 1,
  parameter integer MAX_BURST = 16,
  parameter integer OUTSTANDING = 8,
  parameter integer ADDR_W = 32,
  parameter integer PORTS = 1,
  parameter integer BEAT_FIFO_DEPTH = 128,
  parameter integer WORD_FIFO_DEPTH = 2
) (
  input  wire                  clk,
  input  wire                  rst_n,
  input  wire [5:0]            s_axi_control_awaddr,
  input  wire                  s_axi_control_awvalid,
  output wire                  s_axi_control_awready,
  input  wire [31:0]           s_axi_control_wdata,
  input  wire [3:0]            s_axi_control_wstrb,
  input  wire                  s_axi_control_wvalid,
  output wire                  s_axi_control_wready,
  output wire [1:0]            s_axi_control_bresp,
  output wire                  s_axi_control_bvalid,
  input  wire                  s_axi_control_bready,
  input  wire [5:0]            s_axi_control_araddr,
  input  wire                  s_axi_control_arvalid,
  output wire                  s_axi_control_arready,
  output wire [31:0]           s_axi_control_rdata,
  output wire [1:0]            s_axi_control_rresp,
  output wire                  s_axi_control_rvalid,
  input  wire                  s_axi_control_rready,
  /* verilator lint_off SYMRSVDWORD */
  output wire                  interrupt,
  /* verilator lint_on SYMRSVDWORD */
  output wire [PORTS*ADDR_W-1:0] m_axi_araddr,
  output wire [PORTS*8-1:0]    m_axi_arlen,
  output wire [PORTS*3-1:0]    m_axi_arsize,
  output wire [PORTS*2-1:0]    m_axi_arburst,
  output wire [PORTS*4-1:0]    m_axi_arcache,
  output wire [PORTS*3-1:0]    m_axi_arprot,
  output wire [PORTS-1:0]      m_axi_arvalid,
  input  wire [PORTS-1:0]      m_axi_arready,
  input  wire [PORTS*MEM_W-1:0] m_axi_rdata,
  input  wire [PORTS*2-1:0]    m_axi_rresp,
  input  wire [PORTS-1:0]      m_axi_rlast,
  input  wire [PORTS-1:0]      m_axi_rvalid,
  output wire [PORTS-1:0]      m_axi_rready,
  output wire [STREAM_W-1:0]   m_axis_tdata,
  output wire                  m_axis_tvalid,
  input  wire                  m_axis_tready,
  output wire                  m_axis_tlast
);
  localparam integer MB = MEM_W / 8;
  localparam integer MBL = $clog2(MB);
  localparam integer WORDS = FRAME_BYTES / (STREAM_W / 8);
  localparam integer PB = (PORTS > 1) ? $clog2(PORTS) : 1;
  localparam [31:0] WORD_LAST = WORDS - 1;
  localparam [31:0] PORT_LAST32 = PORTS - 1;
  localparam [PB-1:0] PORT_LAST = PORT_LAST32[PB-1:0];

  // control
  wire start;
  wire [63:0] addr;
  wire [31:0] frames;
  reg  done;
  reg  [3:0] status;
  reg  [31:0] sent;                // frames sent on the stream
  reg  running;
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
    .frames_done(sent), .interrupt(interrupt)
  );
  /* verilator lint_off UNUSEDSIGNAL */
  wire [63:0] addr_unused = addr;  // the bits above ADDR_W
  /* verilator lint_on UNUSEDSIGNAL */
  wire misaligned = (addr[MBL-1:0] != {MBL{1'b0}});
  wire go = start && !misaligned && (frames != 32'd0);

  // memory ports
  wire [PORTS-1:0] port_busy, port_slv, port_dec, word_valid;
  wire [PORTS*STREAM_W-1:0] word_data;
  reg  [PB-1:0] port;              // the port whose frame is being sent
  reg  [31:0] word;                // word within that frame
  genvar gp;
  generate
    for (gp = 0; gp < PORTS; gp = gp + 1) begin : g_port
      wire [MEM_W-1:0] beat_data;
      wire beat_valid, beat_ready;
      wire [STREAM_W-1:0] unpacked;
      wire unpacked_valid, unpacked_ready;
      finn_dma_reader #(
        .MEM_W(MEM_W), .FRAME_BYTES(FRAME_BYTES), .MAX_BURST(MAX_BURST),
        .OUTSTANDING(OUTSTANDING), .ADDR_W(ADDR_W), .PORT(gp), .PORTS(PORTS),
        .FIFO_DEPTH(BEAT_FIFO_DEPTH)
      ) reader (
        .clk(clk), .rst_n(rst_n), .start(go), .base(addr[ADDR_W-1:0]), .frames(frames),
        .busy(port_busy[gp]), .err_slv(port_slv[gp]), .err_dec(port_dec[gp]),
        .m_axi_araddr(m_axi_araddr[gp*ADDR_W +: ADDR_W]), .m_axi_arlen(m_axi_arlen[gp*8 +: 8]),
        .m_axi_arsize(m_axi_arsize[gp*3 +: 3]), .m_axi_arburst(m_axi_arburst[gp*2 +: 2]),
        .m_axi_arcache(m_axi_arcache[gp*4 +: 4]), .m_axi_arprot(m_axi_arprot[gp*3 +: 3]),
        .m_axi_arvalid(m_axi_arvalid[gp]), .m_axi_arready(m_axi_arready[gp]),
        .m_axi_rdata(m_axi_rdata[gp*MEM_W +: MEM_W]), .m_axi_rresp(m_axi_rresp[gp*2 +: 2]),
        .m_axi_rlast(m_axi_rlast[gp]), .m_axi_rvalid(m_axi_rvalid[gp]), .m_axi_rready(m_axi_rready[gp]),
        .m_data(beat_data), .m_valid(beat_valid), .m_ready(beat_ready)
      );
      // two beats in registers between the beat FIFO (block RAM, slow clock-to-out) and
      // the gearbox's shifter: for clock speed, at full rate
      wire [MEM_W-1:0] staged_data;
      wire staged_valid, staged_ready;
      /* verilator lint_off PINCONNECTEMPTY */
      finn_fifo #(.WIDTH(MEM_W), .DEPTH(2)) stage (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(beat_data), .s_axis_tvalid(beat_valid), .s_axis_tready(beat_ready),
        .m_axis_tdata(staged_data), .m_axis_tvalid(staged_valid), .m_axis_tready(staged_ready), .count()
      );
      /* verilator lint_on PINCONNECTEMPTY */
      finn_dma_unpack #(.MEM_W(MEM_W), .STREAM_W(STREAM_W), .FRAME_BYTES(FRAME_BYTES)) unpack (
        .clk(clk), .rst_n(rst_n), .s_data(staged_data), .s_valid(staged_valid), .s_ready(staged_ready),
        .m_data(unpacked), .m_valid(unpacked_valid), .m_ready(unpacked_ready)
      );
      /* verilator lint_off PINCONNECTEMPTY */
      finn_fifo #(.WIDTH(STREAM_W), .DEPTH(WORD_FIFO_DEPTH)) words (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(unpacked), .s_axis_tvalid(unpacked_valid), .s_axis_tready(unpacked_ready),
        .m_axis_tdata(word_data[gp*STREAM_W +: STREAM_W]), .m_axis_tvalid(word_valid[gp]),
        .m_axis_tready(m_axis_tready && running && (port == gp[PB-1:0])), .count()
      );
      /* verilator lint_on PINCONNECTEMPTY */
    end
  endgenerate

  // the stream: a whole frame from each port in turn
  reg [STREAM_W-1:0] out_word;
  reg out_valid;
  integer p;
  always @* begin
    out_word = word_data[STREAM_W-1:0];
    out_valid = word_valid[0];
    for (p = 1; p < PORTS; p = p + 1)
      if ({{(32-PB){1'b0}}, port} == p) begin
        out_word = word_data[p*STREAM_W +: STREAM_W];
        out_valid = word_valid[p];
      end
  end
  assign m_axis_tdata = out_word;
  assign m_axis_tvalid = running && out_valid;
  wire frame_end = (word == WORD_LAST);
  assign m_axis_tlast = frame_end;
  wire send = m_axis_tvalid && m_axis_tready;

  always @(posedge clk) begin
    if (!rst_n) begin
      running <= 1'b0; done <= 1'b0; status <= 4'd0; sent <= 32'd0;
      port <= {PB{1'b0}}; word <= 32'd0;
    end else begin
      done <= 1'b0;
      if (start) begin
        sent <= 32'd0;
        port <= {PB{1'b0}};
        word <= 32'd0;
        status <= misaligned ? 4'b1001 : 4'b0000;
        if (go) running <= 1'b1;
        else done <= 1'b1;
      end else if (running) begin
        if (send) begin
          word <= frame_end ? 32'd0 : word + 32'd1;
          if (frame_end) begin
            sent <= sent + 32'd1;
            port <= (port == PORT_LAST) ? {PB{1'b0}} : port + 1'b1;
          end
        end
        if (sent == frames && port_busy == {PORTS{1'b0}}) begin
          running <= 1'b0;
          done <= 1'b1;
        end
        if (|{port_slv, port_dec}) status <= status | {1'b0, |port_dec, |port_slv, 1'b1};
      end
    end
  end
endmodule
