"""The process entry point: the `studybot` command."""
