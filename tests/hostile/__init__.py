"""The hostile input corpus (issue 6, item 3): cases as data, run by tests/e2e/test_hostile.py."""
