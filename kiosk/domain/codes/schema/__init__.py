"""Product data: the official EU DCC JSON schema 1.3.3 (ehn-dcc-development/ehn-dcc-schema,
Apache-2.0, see LICENSE here), copied unchanged from its combined form."""
