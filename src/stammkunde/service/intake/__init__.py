"""Inbound e-mail: raw messages stored before parsing (IMAP, ESP webhooks, signed raw MIME), then
parsed, checked for loops and bounces, threaded and filed as cases by the worker.

Plain modules (no database): ``charsets`` and ``mime`` (bytes -> ``ParsedMail``), ``automatic``
(bounce, auto-reply and bulk detection), ``bounces`` (what a delivery report returns),
``quoting`` (quoted history and signatures), ``html_cleaning`` (nh3), ``attachment_files``
(type sniffing, TNEF, limits), ``threading_keys`` (references and order numbers in the text).
"""
