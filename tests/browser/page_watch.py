"""Collect what a page logs as an error (console errors, uncaught exceptions, CSP violations) so a test fails on them."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, ConsoleMessage, Error

# The browser reports a violation on the console too, but not for every directive: listen for the event itself.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " in " + e.sourceFile + ":" + e.lineNumber);
});
"""


# The contexts being watched, closed by the live server before it stops (tests/serving.py).
_WATCHED: list[BrowserContext] = []


def close_watched_contexts() -> None:
    """Close every watched context (their errors stay in their lists); closing one twice is harmless."""
    while _WATCHED:
        _WATCHED.pop().close()


def watch_for_errors(context: BrowserContext) -> list[str]:
    """A list that fills with every console error, uncaught exception and CSP violation in `context`'s pages."""
    problems: list[str] = []
    _WATCHED.append(context)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error at {message.location.get('url')}: {message.text}")

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught exception: {error.message}")

    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on("console", on_console)
    context.on("weberror", lambda web_error: on_page_error(web_error.error))
    return problems
