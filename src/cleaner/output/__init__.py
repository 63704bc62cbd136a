"""Output: the record schema, the finished documents, the output folder, its sinks and the run report."""
