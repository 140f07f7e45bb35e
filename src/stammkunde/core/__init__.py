"""Django-free building blocks shared by every app: environment parsing, text keys, events."""
