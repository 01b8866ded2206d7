"""Small text tables for the demo generator (shipped as package data, read at run time)."""
