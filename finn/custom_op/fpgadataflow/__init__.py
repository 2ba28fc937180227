"""Hardware (dataflow) ops. Domain ``finn.custom_op.fpgadataflow`` resolves here."""

__all__: list[str] = []
