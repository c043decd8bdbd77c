"""What the container provides: the resource-principal signer and SDK clients (`oci_auth`), Vault
secrets (`vault`), verifying TLS contexts (`tls`), secret scrubbing (`scrub`) and logging (`logs`)."""
