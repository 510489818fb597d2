"""Password policy and slow hashing (Argon2id)."""
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def password_problems(password, username="", min_length=8):
    """Stable reasons why a password is refused; empty when acceptable."""
    problems = []
    if len(password) < min_length:
        problems.append("too_short")
    classes = sum(any(c in chars for c in password) for chars in CLASSES)
    classes += any(not c.isalnum() for c in password)
    if classes < 3:
        problems.append("too_few_classes")
    if username and username.lower() in password.lower():
        problems.append("contains_username")
    return problems


class Hasher:
    def __init__(self, time_cost, memory_cost):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        # Verified against unknown usernames so that timing does not reveal which exist.
        self._dummy = self._hasher.hash("dummy-password-for-timing")

    def hash(self, password):
        return self._hasher.hash(password)

    def verify(self, password_hash, password):
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False
