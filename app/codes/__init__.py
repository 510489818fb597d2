"""One person one code (一人一码): issue, show, rotate, revoke and resolve personal codes."""
