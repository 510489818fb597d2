"""Signing in through the real HTTP API: logins, tokens, headers, error codes, grant approval."""
DEMO_PASSWORD = "Demo@2025"


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def staff_login(client, username, password=DEMO_PASSWORD, **extra):
    response = client.post("/api/v1/auth/staff/login",
                           json={"username": username, "password": password, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def staff_token(client, username):
    return staff_login(client, username)["access_token"]


def approve_grant(client, response, approver="security_admin2"):
    """A second security admin approves a grant that was answered 202 (two-person rule)."""
    assert response.status_code == 202, response.get_json()
    approved = client.post(f"/api/v1/staff/grants/{response.get_json()['id']}/approve",
                           headers=auth(staff_token(client, approver)))
    assert approved.status_code == 200, approved.get_json()
    return approved.get_json()


def person_login(client, name="zhangsan"):
    response = client.post("/api/v1/auth/wechat/login", json={"code": f"demo-{name}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def person_token(client, name="zhangsan"):
    return person_login(client, name)["access_token"]


def error_code(response):
    return response.get_json()["error"]["code"]

