"""Who on the staff read or changed which personal data, and when (GDPR accountability)."""
