// Stream FIFO: DEPTH words of WIDTH bits between two AXI-Stream interfaces.
//
// Full throughput (one word in and one word out per cycle), full back-pressure:
// s_axis_tready = not full, m_axis_tvalid = not empty. The output word comes from
// the memory with an asynchronous read (distributed RAM). Synchronous active-low
// reset.
module finn_fifo #(
  parameter integer WIDTH = 8,
  parameter integer DEPTH = 2
) (
  input  wire             clk,
  input  wire             rst_n,
  input  wire [WIDTH-1:0] s_axis_tdata,
  input  wire             s_axis_tvalid,
  output wire             s_axis_tready,
  output wire [WIDTH-1:0] m_axis_tdata,
  output wire             m_axis_tvalid,
  input  wire             m_axis_tready,
  output wire [$clog2(DEPTH+1)-1:0] count  // words held (for stall reports)
);
  localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  localparam integer CW = $clog2(DEPTH + 1);
  localparam [31:0] LAST32 = DEPTH - 1;
  localparam [31:0] FULL32 = DEPTH;
  localparam [AW-1:0] LAST = LAST32[AW-1:0];
  localparam [CW-1:0] FULL = FULL32[CW-1:0];
  reg [WIDTH-1:0] mem [0:DEPTH-1];
  reg [AW-1:0] wr_ptr, rd_ptr;
  reg [CW-1:0] n;

  wire push = s_axis_tvalid && s_axis_tready;
  wire pop  = m_axis_tvalid && m_axis_tready;

  assign s_axis_tready = (n != FULL);
  assign m_axis_tvalid = (n != 0);
  assign m_axis_tdata  = mem[rd_ptr];
  assign count = n;

  always @(posedge clk) begin
    if (push) mem[wr_ptr] <= s_axis_tdata;
  end

  always @(posedge clk) begin
    if (!rst_n) begin
      wr_ptr <= 0;
      rd_ptr <= 0;
      n <= 0;
    end else begin
      if (push) wr_ptr <= (wr_ptr == LAST) ? {AW{1'b0}} : wr_ptr + 1'b1;
      if (pop)  rd_ptr <= (rd_ptr == LAST) ? {AW{1'b0}} : rd_ptr + 1'b1;
      if (push && !pop) n <= n + 1'b1;
      else if (pop && !push) n <= n - 1'b1;
    end
  end
endmodule
