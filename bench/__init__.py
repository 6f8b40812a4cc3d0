"""The desk-scale benchmark: its data (`bench.data`) and the code that measures over it."""
