"""Monte Carlo, sensitivity and distributed runs over the projection engine."""
