"""`python -m forwarder.settings`: print the README's configuration table (generated from keys.KEYS)."""

from forwarder.settings.keys import markdown_table

print(markdown_table())
