"""Push: WeChat subscribe messages, SMS fallback, the outbox and its worker (issue 3).

The WeChat API client itself lives in app.core.wechat so that lower areas (login) can use it.
"""
