"""SCIM 2.0 Users mapped to employee fields (RFC 7643/7644)."""
