"""The discovery documents an OIDC issuer serves: its openid-configuration and the JWKS of its keys."""
