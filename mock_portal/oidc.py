"""The mock VNeID's claims: django-oauth-toolkit issues the tokens, this says what they tell about a person."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from . import selectors


class VNeIDValidator(OAuth2Validator):
    """The ID token's and userinfo's claims, from the population database: ``sub`` (opaque, stable),
    ``so_dinh_danh``, ``name``, ``birthdate``, ``gender``, ``address``, ``acr``, ``muc_do_dinh_danh`` and, for
    an organization's representative, ``to_chuc``. Each is given only with the scope it belongs to."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "acr": "openid",
        # The permanent address comes with the VNeID identity, not with the standard address scope: the
        # portal asks for openid, profile and vneid.
        "address": "vneid",
        "so_dinh_danh": "vneid",
        "muc_do_dinh_danh": "vneid",
        "to_chuc": "vneid",
    }

    def get_additional_claims(self, request):
        # The mock's users are named by the person's number (services.vneid_account_get).
        return selectors.vneid_claims(request.user.username)

    def get_discovery_claims(self, request):
        return ["sub", "so_dinh_danh", "name", "birthdate", "gender", "address", "acr", "muc_do_dinh_danh",
                "to_chuc", "auth_time", "nonce"]
