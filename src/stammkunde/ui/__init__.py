"""The staff web interface: the shared layout and home page here, one folder per topic."""
