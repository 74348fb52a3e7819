"""OWASP API2:2023 Broken Authentication: forged access tokens, and login answers that tell
nothing about which e-mail addresses have accounts.

Expiry, a tampered signature, another key, `alg: none`, missing `sid`/`jti`/`exp`, logout,
refresh-token reuse and deactivated users are tested in tests/accounts/test_tokens.py and
test_logout.py (docs/security.md lists them); this module adds the forgeries they leave out.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from attune.platform.database import Database
from attune.platform.settings import Settings
from tests.support.people import PASSWORD, Person, add_admin, add_client, add_person

UNAUTHENTICATED = {
    "error": "User not authenticated",
    "details": "Log in, then send the access token as `Authorization: Bearer <token>`.",
}

Claims = dict[str, Any]
Forgery = Callable[[bytes, Claims], str]


def segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def json_segment(value: dict[str, Any]) -> str:
    return segment(json.dumps(value).encode())


def claims_of(token: str) -> Claims:
    claims: Claims = jwt.decode(token, options={"verify_signature": False})
    return claims


def hand_signed(key: bytes, header: dict[str, Any], claims: Claims, digest: str = "sha256") -> str:
    """A JWT whose header says what we like, signed with HMAC under `key`."""
    signing_input = f"{json_segment(header)}.{json_segment(claims)}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{segment(signature)}"


def unsigned(alg: str) -> Forgery:
    return lambda key, claims: f"{json_segment({'alg': alg, 'typ': 'JWT'})}.{json_segment(claims)}."


def without(claim: str) -> Forgery:
    def forge(key: bytes, claims: Claims) -> str:
        kept = {name: value for name, value in claims.items() if name != claim}
        return jwt.encode(kept, key, algorithm="HS256")

    return forge


def with_claim(claim: str, value: Any) -> Forgery:
    # Hand-signed: PyJWT refuses to encode some of these values, an attacker does not.
    return lambda key, claims: hand_signed(
        key, {"alg": "HS256", "typ": "JWT"}, {**claims, claim: value}
    )


def attackers_rsa_key(key: bytes, claims: Claims) -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # The public key rides along in the header, for a verifier naive enough to trust it.
    return jwt.encode(claims, pem, algorithm="RS256", headers={"jwk": public_jwk})


FORGERIES: dict[str, Forgery] = {
    "HS512 under the service's key": lambda key, claims: hand_signed(
        key, {"alg": "HS512", "typ": "JWT"}, claims, "sha512"
    ),
    "HS384 under the service's key": lambda key, claims: hand_signed(
        key, {"alg": "HS384", "typ": "JWT"}, claims, "sha384"
    ),
    "RS256 under an attacker's key with its jwk in the header": attackers_rsa_key,
    "RS256 header over an HMAC signature (algorithm confusion)": lambda key, claims: hand_signed(
        key, {"alg": "RS256", "typ": "JWT"}, claims
    ),
    "alg None": unsigned("None"),
    "alg NONE": unsigned("NONE"),
    "alg nOnE": unsigned("nOnE"),
    "no alg": lambda key, claims: f"{json_segment({'typ': 'JWT'})}.{json_segment(claims)}.",
    "no sub": without("sub"),
    "no iat": without("iat"),
    "no aud": without("aud"),
    "no iss": without("iss"),
    "sub as a number": with_claim("sub", 1),
    "sub negative": with_claim("sub", "-1"),
    "sub in other digits": with_claim("sub", "١"),
    "sub with spaces": with_claim("sub", " 1 "),
    "exp as text": with_claim("exp", "9999999999"),
    "exp as a fraction": with_claim("exp", 9999999999.5),
    "iat as text": with_claim("iat", "0"),
    "sid as a number": with_claim("sid", 1),
    "aud of another service": with_claim("aud", ["another-api"]),
}


async def profile(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/auth/profile", headers={"Authorization": f"Bearer {token}"})


class TestForgedAccessTokens:
    @pytest.mark.parametrize("name", FORGERIES)
    async def test_are_refused(
        self, client: httpx.AsyncClient, database: Database, settings: Settings, name: str
    ) -> None:
        ada = await add_client(database, settings)
        genuine = claims_of(ada.token)
        token = FORGERIES[name](settings.derived_key("jwt"), genuine)

        refused = await profile(client, token)

        assert (refused.status_code, refused.json()) == (401, UNAUTHENTICATED)
        assert refused.headers["www-authenticate"] == "Bearer"
        assert (await profile(client, ada.token)).status_code == 200

    async def test_a_hand_signed_token_with_the_genuine_claims_is_accepted(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        """So each forgery above is refused for what it changes, not for how it was made."""
        ada = await add_client(database, settings)
        key, claims = settings.derived_key("jwt"), claims_of(ada.token)

        token = hand_signed(key, {"alg": "HS256", "typ": "JWT"}, claims)

        assert (await profile(client, token)).status_code == 200

    async def test_a_client_cannot_become_the_therapist_by_editing_the_payload(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        ada = await add_client(database, settings)
        theo = await add_admin(database, settings)
        header, _payload, signature = ada.token.split(".")
        therapist = claims_of(theo.token)
        # Ada's signature over the therapist's claims: the payload changed, the signature kept.
        forged = f"{header}.{json_segment(therapist)}.{signature}"

        response = await client.get(
            "/api/admin/dashboard", headers={"Authorization": f"Bearer {forged}"}
        )

        assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)
        assert (await client.get("/api/admin/dashboard", headers=theo.headers)).status_code == 200

    async def test_a_refresh_token_is_not_an_access_token(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await add_client(database, settings)
        login = await client.post(
            "/api/auth/login", json={"email": "client1@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text

        response = await profile(client, login.json()["refresh"])

        assert response.status_code == 401


def answer(response: httpx.Response) -> tuple[int, Any, set[str], str | None]:
    """What a caller can compare: status, body, which headers came and the challenge."""
    return (
        response.status_code,
        response.json(),
        set(response.headers),
        response.headers.get("www-authenticate"),
    )


class TestLoginRevealsNoAccounts:
    async def test_unknown_email_wrong_password_and_deactivated_account_answer_alike(
        self, client: httpx.AsyncClient, database: Database, settings: Settings
    ) -> None:
        await add_client(database, settings)
        inactive: Person = await add_person(database, settings, email="gone@example.com")
        await client.put(
            f"/api/admin/users/{inactive.id}",
            json={"is_active": False},
            headers=(await add_admin(database, settings)).headers,
        )

        wrong_password = await client.post(
            "/api/auth/login", json={"email": "client1@example.com", "password": "not it at all"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
        )
        deactivated = await client.post(
            "/api/auth/login", json={"email": "gone@example.com", "password": PASSWORD}
        )

        assert wrong_password.status_code == 401
        assert answer(wrong_password) == answer(unknown) == answer(deactivated)
