"""`python -m forwarder.settings`: print the configuration table of docs/configuration.md (generated from keys.KEYS)."""

from forwarder.settings.keys import markdown_table

print(markdown_table())
