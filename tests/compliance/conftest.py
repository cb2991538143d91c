"""Compliance tests keep uploaded evidence in their own temporary folder (as the projects')."""

from tests.projects.conftest import files_dir, settings, signed_in

__all__ = ["files_dir", "settings", "signed_in"]
