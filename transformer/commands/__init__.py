"""One module per command: options in, result out; no click, no printing."""
