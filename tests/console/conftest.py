"""Says at the end of the run, in one line, how to run the browser tests when they were
skipped for want of Chromium."""
from tests.console.test_browser import INSTALL_HINT, chromium_found


def pytest_terminal_summary(terminalreporter):
    if not chromium_found():
        terminalreporter.write_line(INSTALL_HINT, yellow=True)
