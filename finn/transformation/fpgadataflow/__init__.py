"""Dataflow passes: lower to HW ops, check, partition, fold."""
