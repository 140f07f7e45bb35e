"""The public help page (no login): FAQ search, articles, contact options and the case form.

Outside the staff UI on purpose: its visitors are customers, its layout is the shop's, and it
may be embedded in the shop as an iframe (``HELP_PAGE_FRAME_ANCESTORS``), which no staff page
may be.
"""
