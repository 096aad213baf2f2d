"""The portal as an OpenID Connect client of VNeID, the national electronic identity (Decree 69/2024).

Authlib does the protocol (ADR 0024): the authorization code flow with PKCE (S256), ``state`` and ``nonce``
kept in the session for one use, the token exchange, and the ID token checked against the provider's
published keys (signature, issuer, audience, expiry, nonce). This module configures it from the settings and
turns each way a login can fail into one message a citizen can act on; ``services.vneid_sign_in`` decides
what the verified identity means for the accounts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError

SCOPE = "openid profile vneid"


def enabled() -> bool:
    return bool(settings.VNEID_ISSUER and settings.VNEID_CLIENT_SECRET)


@functools.lru_cache(maxsize=4)
def _client(issuer: str, backchannel: str, client_id: str, secret: str):
    oauth = OAuth()
    base = (backchannel or issuer).rstrip("/")
    oauth.register(
        "vneid", client_id=client_id, client_secret=secret,
        server_metadata_url=f"{base}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                       "default_timeout": settings.GATEWAY_TIMEOUT_SECONDS},
    )
    app = oauth.vneid
    if backchannel:
        # The server's calls go over the back channel; the browser's (login, logout) stay on the issuer.
        metadata = app.load_server_metadata()
        for key in ("token_endpoint", "jwks_uri", "userinfo_endpoint"):
            if str(metadata.get(key, "")).startswith(issuer.rstrip("/")):
                metadata[key] = base + metadata[key][len(issuer.rstrip("/")):]
    return app


def client():
    """The Authlib client of the configured provider (its discovery document is read once per process)."""
    return _client(settings.VNEID_ISSUER, settings.VNEID_BACKCHANNEL_URL, settings.VNEID_CLIENT_ID,
                   settings.VNEID_CLIENT_SECRET)


class Refused(Exception):
    """A login that cannot be trusted or did not happen: ``message`` says why, in the citizen's words."""

    def __init__(self, message, reason: str):
        super().__init__(str(message))
        self.message = message
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Identity:
    """What VNeID vouches for: the person (and the organization they represent, if any)."""

    subject: str
    id_number: str
    full_name: str
    date_of_birth: dt.date | None
    gender: str
    address: str
    assurance_level: int
    organization: dict | None
    id_token: str

    @classmethod
    def from_claims(cls, claims: dict, id_token: str) -> Identity:
        number = str(claims.get("so_dinh_danh", ""))
        if not (number.isdigit() and len(number) == 12) or not claims.get("sub") or not claims.get("name"):
            raise Refused(_("VNeID did not give a valid ID number and name, so we cannot log you in."), "claims")
        try:
            born = dt.date.fromisoformat(str(claims.get("birthdate", "")))
        except ValueError:
            born = None
        address = claims.get("address") or {}
        organization = claims.get("to_chuc") if isinstance(claims.get("to_chuc"), dict) else None
        try:
            level = int(claims.get("muc_do_dinh_danh") or 0)
        except (TypeError, ValueError):
            level = 0
        return cls(
            subject=str(claims["sub"]), id_number=number, full_name=str(claims["name"]).strip(), date_of_birth=born,
            gender=claims.get("gender") if claims.get("gender") in ("male", "female") else "",
            address=str(address.get("formatted", "")) if isinstance(address, dict) else str(address),
            assurance_level=level, organization=organization, id_token=id_token,
        )


def login_redirect(request, redirect_uri: str):
    """Send the browser to VNeID's login (state, nonce and PKCE verifier kept in the session)."""
    try:
        return client().authorize_redirect(request, redirect_uri)
    except (requests.RequestException, ValueError, KeyError) as error:
        raise Refused(_("VNeID cannot be reached right now. Try again in a few minutes, or log in with your "
                        "password."), "unreachable") from error


def complete(request) -> Identity:
    """Finish the login VNeID sent the browser back from: the checked identity, or ``Refused``."""
    if request.GET.get("error"):
        if request.GET["error"] == "access_denied":
            raise Refused(_("You cancelled the login with VNeID."), "cancelled")
        raise Refused(_("VNeID could not log you in (%(error)s). Try again.") % {"error": request.GET["error"]},
                      "provider")
    # Authlib checks the issuer from the discovery document but the audience only through ``azp``: a token
    # for another service that names this portal as its authorized party would pass. Both are pinned here.
    required = {"iss": {"essential": True, "values": [settings.VNEID_ISSUER.rstrip("/")]},
                "aud": {"essential": True, "values": [settings.VNEID_CLIENT_ID]}}
    try:
        token = client().authorize_access_token(request, claims_options=required)
    except MismatchingStateError as error:
        raise Refused(_("This login link has expired or was already used. Start the login with VNeID again."),
                      "state") from error
    except ExpiredTokenError as error:
        raise Refused(_("The identity VNeID sent has expired. Start the login again."), "expired") from error
    except BadSignatureError as error:
        raise Refused(_("The identity VNeID sent is not signed by VNeID, so it was refused."), "signature") from error
    except ClaimError as error:
        claim = getattr(error, "claim", "")
        if claim == "nonce":
            raise Refused(_("This identity was issued for another login (an old or reused one), so it was "
                            "refused. Start the login again."), "nonce") from error
        if claim == "aud":
            raise Refused(_("This identity was issued for another service, not this portal, so it was refused."),
                          "audience") from error
        raise Refused(_("The identity VNeID sent failed a check (%(claim)s), so it was refused.") % {"claim": claim},
                      "claims") from error
    except (JoseError, ValueError) as error:
        raise Refused(_("The identity VNeID sent could not be read, so it was refused."), "token") from error
    except OAuthError as error:
        raise Refused(_("VNeID refused to complete the login. Start it again."), "provider") from error
    except requests.RequestException as error:
        raise Refused(_("VNeID cannot be reached right now. Try again in a few minutes."), "unreachable") from error
    claims = token.get("userinfo")
    if not claims:
        raise Refused(_("VNeID did not send an identity token, so it was refused."), "token")
    return Identity.from_claims(dict(claims), token.get("id_token", ""))


def logout_url(id_token: str, after: str) -> str | None:
    """Where to send the browser so the VNeID session ends too (RP-initiated logout), or None."""
    try:
        return client().create_logout_url(post_logout_redirect_uri=after, id_token_hint=id_token,
                                          client_id=settings.VNEID_CLIENT_ID)["url"]
    except (requests.RequestException, RuntimeError, ValueError):
        return None
