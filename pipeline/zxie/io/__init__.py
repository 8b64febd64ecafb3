"""Reading inputs and writing records: input discovery and decoding, the record writer, resume
state and Parquet. The bottom layer of extraction: it imports nothing of zxie but `schema` and `text`."""
