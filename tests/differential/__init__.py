"""The differential test: upstream's real webhook (tests/upstream/webhook) against `wi-transform inject`."""
