"""Field check: match observations to the registry, what is here, and position corrections."""
