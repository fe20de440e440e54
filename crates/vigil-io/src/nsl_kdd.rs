//! NSL-KDD reader: numeric connection records for unsupervised baselining benchmarks.
