"""Domain exceptions. The logic layer raises these; app.core.http turns them into JSON.

`code` is stable for programs; `message` is for people, in Chinese, and goes through the
translation layer (pass a lazy_gettext string).
"""


class AppError(Exception):
    status = 400

    def __init__(self, code, message, details=None, status=None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.details = details or {}
        if status is not None:
            self.status = status


class BadRequest(AppError):
    status = 400


class Unauthorized(AppError):
    status = 401


class Forbidden(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class ValidationFailed(AppError):
    status = 422


class UpstreamError(AppError):
    """An outside service (WeChat, SMS) failed: 502 when it broke, 503 when it is busy."""
    status = 502
