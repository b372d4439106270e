"""What-if analyses: shocks to the data, their effects, reach targets, projections."""
