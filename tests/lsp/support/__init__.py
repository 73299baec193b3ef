"""Helpers for the goescape LSP tests: a pytest-lsp session wrapper, a raw stdio client for
malformed input, the compiler's own escape lines as a reference, position arithmetic in UTF-8
and UTF-16, process and tree snapshots."""
