"""What every app of the portal shares and none owns: hooks, text folding, leased jobs, counters, PDFs, exports.

This package is the bottom layer (see ``docs/architecture.md``): it imports no app of the portal.
"""
