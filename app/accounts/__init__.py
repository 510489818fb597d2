"""Accounts: staff, roles and region grants, person (WeChat) logins, tokens, access checks."""
