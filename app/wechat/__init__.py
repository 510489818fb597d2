"""Push: WeChat subscribe messages, SMS fallback, the outbox and its worker (issue 3).

The WeChat API client itself lives in app.core.wechat so that lower areas (login) can use it.
This area never imports certification, policies, jobs or codes: they call into it.

    services.enqueue_message(...)   the one entry point other areas use (INSERT only)
    templates.py + data/            message kinds as data: template ids, fields, pages, SMS
    fields.py                       WeChat field rules (check and shorten), pure
    delivery.py                     retry / fallback policy per WeChat error code, pure
    worker.py                       `flask push worker`: claims, leases, the in-flight window
    sms.py                          SMS provider interface and an Alibaba-Cloud-shaped client
    tokens.py                       the access token cache (Redis or database)
    ratelimit.py                    send rate per worker, or shared through Redis
    api.py                          subscriptions (person), message status (person or staff)
"""
