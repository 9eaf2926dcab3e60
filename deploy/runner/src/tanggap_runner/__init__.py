"""Local runner: starts NATS and the four services on one machine (`make up`)."""
