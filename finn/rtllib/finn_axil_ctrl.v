// AXI4-Lite control block of the DMA engines: the register map HLS-generated blocks
// expose and FINN-style PYNQ drivers program (DESIGN.md, "The system around the
// accelerator"). Byte addresses:
//   0x00 ap_ctrl   bit 0 ap_start (write 1 to start; held until the transfer ends,
//                  unless bit 7), bit 1 ap_done (clear on read), bit 2 ap_idle,
//                  bit 3 ap_ready (clear on read), bit 7 auto_restart (read/write)
//   0x04 GIE       bit 0 global interrupt enable
//   0x08 IER       bit 0 ap_done, bit 1 ap_ready interrupt enables
//   0x0C ISR       bit 0 ap_done, bit 1 ap_ready (set on the event when enabled,
//                  a written 1 clears the bit)
//   0x10 / 0x14    buffer address, low / high 32 bits
//   0x1C           number of frames
//   0x20 status    bit 0 error, bit 1 SLVERR seen, bit 2 DECERR seen, bit 3 buffer
//                  address not aligned to the memory word (read only, cleared by start)
//   0x24           frames completed by the last (or running) transfer (read only)
// `start` pulses for one cycle when ap_start is set and no transfer runs; the engine
// answers with a one-cycle `done` when the transfer ends (errors included: a
// transfer always ends). Writes honour WSTRB. One outstanding access per direction.
module finn_axil_ctrl (
  input  wire        clk,
  input  wire        rst_n,
  input  wire [5:0]  s_axi_awaddr,
  input  wire        s_axi_awvalid,
  output wire        s_axi_awready,
  input  wire [31:0] s_axi_wdata,
  input  wire [3:0]  s_axi_wstrb,
  input  wire        s_axi_wvalid,
  output wire        s_axi_wready,
  output wire [1:0]  s_axi_bresp,
  output reg         s_axi_bvalid,
  input  wire        s_axi_bready,
  /* verilator lint_off UNUSEDSIGNAL */  // the byte-in-word address bits
  input  wire [5:0]  s_axi_araddr,
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire        s_axi_arvalid,
  output wire        s_axi_arready,
  output reg  [31:0] s_axi_rdata,
  output wire [1:0]  s_axi_rresp,
  output reg         s_axi_rvalid,
  input  wire        s_axi_rready,
  output wire        start,
  output wire [63:0] addr,
  output wire [31:0] frames,
  input  wire        done,
  input  wire [3:0]  status,
  input  wire [31:0] frames_done,
  output wire        interrupt
);
  reg ap_start, ap_done, ap_ready, auto_restart, busy, gie;
  reg [1:0] ier, isr;
  reg [31:0] addr_lo, addr_hi, nframes;

  // write channel: address and data may come in either order; the write happens
  // when both are held, and the response is sent before the next is accepted
  reg        aw_held, w_held;
  reg [5:0]  aw_addr;
  reg [31:0] w_data;
  reg [3:0]  w_strb;
  assign s_axi_awready = !aw_held && !s_axi_bvalid;
  assign s_axi_wready  = !w_held && !s_axi_bvalid;
  assign s_axi_bresp   = 2'b00;
  assign s_axi_rresp   = 2'b00;
  wire aw_now = aw_held || s_axi_awvalid;
  wire w_now  = w_held || s_axi_wvalid;
  /* verilator lint_off UNUSEDSIGNAL */
  wire [5:0]  wa = aw_held ? aw_addr : s_axi_awaddr;
  /* verilator lint_on UNUSEDSIGNAL */
  wire [31:0] wd = w_held ? w_data : s_axi_wdata;
  wire [3:0]  ws = w_held ? w_strb : s_axi_wstrb;
  wire do_write = aw_now && w_now && !s_axi_bvalid;

  function [31:0] merge(input [31:0] old, input [31:0] data, input [3:0] strb);
    integer b;
    begin
      merge = old;
      for (b = 0; b < 4; b = b + 1) if (strb[b]) merge[b*8 +: 8] = data[b*8 +: 8];
    end
  endfunction

  assign s_axi_arready = !s_axi_rvalid;
  wire do_read = s_axi_arvalid && s_axi_arready;

  wire launch = ap_start && !busy;
  assign start = launch;
  assign addr = {addr_hi, addr_lo};
  assign frames = nframes;
  assign interrupt = gie && (isr != 2'b00);

  always @(posedge clk) begin
    if (!rst_n) begin
      aw_held <= 1'b0; w_held <= 1'b0; s_axi_bvalid <= 1'b0; s_axi_rvalid <= 1'b0;
      aw_addr <= 6'd0; w_data <= 32'd0; w_strb <= 4'd0; s_axi_rdata <= 32'd0;
      ap_start <= 1'b0; ap_done <= 1'b0; ap_ready <= 1'b0; auto_restart <= 1'b0;
      busy <= 1'b0; gie <= 1'b0; ier <= 2'b00; isr <= 2'b00;
      addr_lo <= 32'd0; addr_hi <= 32'd0; nframes <= 32'd0;
    end else begin
      // engine handshake; a register write below may set ap_start again
      if (launch) busy <= 1'b1;
      if (done) begin
        busy <= 1'b0;
        ap_done <= 1'b1;
        ap_ready <= 1'b1;
        if (!auto_restart) ap_start <= 1'b0;
        isr <= isr | ier;
      end
      // writes
      if (s_axi_awvalid && s_axi_awready && !do_write) begin aw_held <= 1'b1; aw_addr <= s_axi_awaddr; end
      if (s_axi_wvalid && s_axi_wready && !do_write) begin
        w_held <= 1'b1; w_data <= s_axi_wdata; w_strb <= s_axi_wstrb;
      end
      if (do_write) begin
        aw_held <= 1'b0;
        w_held <= 1'b0;
        s_axi_bvalid <= 1'b1;
        case (wa[5:2])
          4'h0: if (ws[0]) begin
                  if (wd[0]) ap_start <= 1'b1;
                  auto_restart <= wd[7];
                end
          4'h1: if (ws[0]) gie <= wd[0];
          4'h2: if (ws[0]) ier <= wd[1:0];
          4'h3: if (ws[0]) isr <= (done ? (isr | ier) : isr) & ~wd[1:0];
          4'h4: addr_lo <= merge(addr_lo, wd, ws);
          4'h5: addr_hi <= merge(addr_hi, wd, ws);
          4'h7: nframes <= merge(nframes, wd, ws);
          default: ;
        endcase
      end
      if (s_axi_bvalid && s_axi_bready) s_axi_bvalid <= 1'b0;
      // reads (ap_done and ap_ready clear when read; an event in the same cycle stays)
      if (do_read) begin
        s_axi_rvalid <= 1'b1;
        case (s_axi_araddr[5:2])
          4'h0: begin
                  s_axi_rdata <= {24'd0, auto_restart, 3'd0, ap_ready, !busy, ap_done, ap_start};
                  if (!done) begin ap_done <= 1'b0; ap_ready <= 1'b0; end
                end
          4'h1: s_axi_rdata <= {31'd0, gie};
          4'h2: s_axi_rdata <= {30'd0, ier};
          4'h3: s_axi_rdata <= {30'd0, isr};
          4'h4: s_axi_rdata <= addr_lo;
          4'h5: s_axi_rdata <= addr_hi;
          4'h7: s_axi_rdata <= nframes;
          4'h8: s_axi_rdata <= {28'd0, status};
          4'h9: s_axi_rdata <= frames_done;
          default: s_axi_rdata <= 32'd0;
        endcase
      end
      if (s_axi_rvalid && s_axi_rready) s_axi_rvalid <= 1'b0;
    end
  end
endmodule
