"""The push engine (see ``api`` for the contract)."""
