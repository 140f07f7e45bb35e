"""English dates and numbers as a reader in Britain or Europe writes them, not the US way that
Django's ``en`` formats use ("12/04/2026", "Dec. 4, 2026, 5 p.m."): the day before the month
("04/12/2026", "4 Dec 2026"), Monday first, and the 24-hour clock, as the desk's opening hours
and due times are written (Django's ``en_GB`` otherwise; its 12-hour "5 p.m." would stand beside
"09:00-17:00"). Numbers: "1,234.5"."""

DATE_FORMAT = "j M Y"  # 4 Dec 2026
TIME_FORMAT = "H:i"  # 17:00
DATETIME_FORMAT = "j M Y, H:i"  # 4 Dec 2026, 17:00
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "j F"  # 4 December
SHORT_DATE_FORMAT = "d/m/Y"  # 04/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 04/12/2026 17:00
FIRST_DAY_OF_WEEK = 1  # Monday

# Typed dates are read the same way; ISO (as the browsers' date inputs send it) is read too.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 04/12/2026
    "%d/%m/%y",  # 04/12/26
    "%Y-%m-%d",  # 2026-12-04
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # a datetime-local input
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
