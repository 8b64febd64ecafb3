"""Batch extraction at scale: decoding, chunking, engines (in-process, process pool, Dask),
resume and output sinks (JSONL, Parquet). `zxie.batch.run.run_batch` ties them together."""
