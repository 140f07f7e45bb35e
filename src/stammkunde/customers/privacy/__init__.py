"""GDPR export (Art. 15/20), erasure (Art. 17) and restriction (Art. 18) of one customer,
across every app, one module per job:

- ``requests``: the ``PrivacyRequest`` record of each request and who may ask for whom;
- ``export``: the export assembled from every app's export handler (``core.gdpr``);
- ``erasure``: the erasure check (obstacles, retention duties) and carrying out an erasure
  through every app's erasure handler;
- ``housekeeping``: the daily job's steps (deferred erasures tried again, kept records erased
  when their period ends, the retention rules applied);
- ``restriction``: restricting processing (Art. 18) by staff and lifting it.

An erasure with an obstacle (an open order, an unprocessed delivery, an open case) is deferred
and tried again daily; one with records the law requires kept (orders 8 years, business letters
6, from the end of the calendar year) erases everything else, keeps those with processing
restricted (Art. 18: the customer is ``erased``, so no list, segment or message reaches them)
and finishes when the retention ends. Every request leaves a ``PrivacyRequest`` record and an
audit row; the consent ledger and the audit trail are never erased.
"""
