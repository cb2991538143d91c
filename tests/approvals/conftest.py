from tests.projects.conftest import files_dir, settings, signed_in

__all__ = ["files_dir", "settings", "signed_in"]
