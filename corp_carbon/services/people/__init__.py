"""Employees, their sign-in, SCIM provisioning and API tokens."""
