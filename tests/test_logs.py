"""SECURITY.md 5: whatever reaches a log line is redacted and cannot forge a second line.

(The autouse fixture in conftest.py separately fails any test whose raw log records carry
an ID number, a phone or a token.)"""
import logging

from app.logs import RedactingFormatter, redact


def test_redact_personal_values_and_secrets():
    line = redact("id 11010519491231002X phone 13800000001 token eyJhbGci.eyJzdWIi.sig "
                  "session_key=abc123 access_token: xyz")
    for secret in ("11010519491231002X", "13800000001", "eyJhbGci", "abc123", "xyz"):
        assert secret not in line
    assert "[id-number]" in line and "[phone]" in line and "[token]" in line


def test_crlf_cannot_forge_a_log_line():
    assert "\n" not in redact("ok\nFAKE 200 admin login") and "\\n" in redact("a\nb")


def test_formatter_redacts_messages_and_tracebacks():
    formatter = RedactingFormatter("%(message)s")
    try:
        raise ValueError("bad 11010519491231002X")
    except ValueError:
        import sys
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "user %s", ("13800000001",),
                                   sys.exc_info())
    output = formatter.format(record)
    assert "13800000001" not in output and "11010519491231002X" not in output
    assert record.getMessage() == "user 13800000001"  # the record itself is left untouched
