"""How a request answers to an e-mail address without the address being stored in clear.

The requester's address is found through a keyed hash of the normalised address, never by
decrypting rows; a request that belongs to no account carries a claim code, mailed to that
address, with which the owner of the address adds it to their account.
"""

from __future__ import annotations

from attune.models import AppointmentRequest
from attune.platform.crypto import keyed_hash
from attune.platform.settings import Settings

EMAIL_INDEX_PURPOSE = "email-index"
CLAIM_CODE_PURPOSE = "appointment-claim"
# Hex digits of the claim code: 128 bits of an HMAC, beyond guessing.
CLAIM_CODE_LENGTH = 32


def email_hash(settings: Settings, email: str) -> str:
    return keyed_hash(settings.derived_key(EMAIL_INDEX_PURPOSE), email.strip().lower())


def claim_code(settings: Settings, request: AppointmentRequest) -> str:
    """The code mailed to an unowned request's address, which adds it to that address's account.

    Derived, not stored: a keyed hash of the request and its address, so it proves that whoever
    holds it read the mail sent to that address about that request.
    """
    value = f"{request.id}:{request.email_hash}"
    return keyed_hash(settings.derived_key(CLAIM_CODE_PURPOSE), value)[:CLAIM_CODE_LENGTH]
