//! Native histogram gradient-boosted trees: training, compiled inference, TreeSHAP, persistence.
