"""Source emitters: pure functions from a HW node (and its model) to source text.

``hls_kernels`` describes each HW node as a call of an ``finn/hlslib`` kernel with
its constant memories; ``hls_node`` turns one description into a compilable C++
node (top function + npy driver), ``hls_partition`` chains several into one program,
``hls_tcl`` writes a Vitis HLS project script. Nothing here touches files.
"""
