"""Use cases: one function per action, one transaction each, typed outcomes, no Telegram types.

Chat handlers, the command line, scheduled jobs and the sandbox all act through this package.
"""
