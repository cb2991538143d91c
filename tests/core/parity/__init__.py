"""Which API operation does what each page form does (tests/core/test_page_api_parity.py), one module per
area so that each area's table is kept beside its own work."""
