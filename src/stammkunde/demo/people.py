"""German demo customers: pools of names and addresses from Faker, combined with numpy.

Faker is slow per call (tens of microseconds), so it fills small pools once; a million customers
are then index arrays into those pools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from faker import Faker

from stammkunde.core.keys import name_key, phone_key

_NOT_MAIL = re.compile(r"[^a-z0-9]+")

MAIL_DOMAINS = np.array(
    ["gmx.de", "web.de", "t-online.de", "gmail.com", "outlook.de", "posteo.de", "freenet.de",
     "yahoo.de", "icloud.com", "mailbox.org", "arcor.de", "gmx.net"]
)  # fmt: skip
MAIL_DOMAIN_WEIGHTS = np.array([18, 17, 12, 20, 6, 3, 4, 4, 5, 2, 3, 6], dtype=float)
COMPANY_FORMS = ["GmbH", "GmbH & Co. KG", "KG", "e.K.", "UG (haftungsbeschränkt)", "AG", "OHG"]
COMPANY_KINDS = ["Café", "Bistro", "Bäckerei", "Hotel", "Büroservice", "Kanzlei", "Feinkost",
                 "Rösterei", "Kiosk", "Restaurant", "Praxis", "Werbeagentur"]  # fmt: skip
MOBILE_PREFIXES = ["0151", "0152", "0157", "0160", "0162", "0170", "0171", "0172", "0173",
                   "0175", "0176", "0177", "0178", "0179"]  # fmt: skip


def _mail_part(value: str) -> str:
    return _NOT_MAIL.sub("-", name_key(value)).strip("-") or "kunde"


@dataclass(frozen=True)
class Pools:
    """Precomputed German names, streets and places (with their search keys)."""

    female: list[str]
    male: list[str]
    last: list[str]
    streets: list[str]
    places: list[tuple[str, str]]  # (postal code, city)
    female_keys: list[str]
    male_keys: list[str]
    last_keys: list[str]
    female_mail: list[str]
    male_mail: list[str]
    last_mail: list[str]


def build_pools(seed: int, *, size: int = 400) -> Pools:
    """Draw the pools from Faker de_DE, seeded so the demo shop is reproducible."""
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    female = sorted({fake.first_name_female() for _ in range(size * 2)})
    male = sorted({fake.first_name_male() for _ in range(size * 2)})
    last = sorted({fake.last_name() for _ in range(size * 3)})
    streets = sorted({fake.street_name() for _ in range(size)})
    places = sorted({(fake.postcode(), fake.city()) for _ in range(size)})
    return Pools(
        female=female,
        male=male,
        last=last,
        streets=streets,
        places=places,
        female_keys=[name_key(n)[:100] for n in female],
        male_keys=[name_key(n)[:100] for n in male],
        last_keys=[name_key(n)[:100] for n in last],
        female_mail=[_mail_part(n) for n in female],
        male_mail=[_mail_part(n) for n in male],
        last_mail=[_mail_part(n) for n in last],
    )


@dataclass
class People:
    """Column lists for one chunk of customers (index i is customer ``ids[i]``)."""

    ids: list[int]
    first_name: list[str]
    last_name: list[str]
    first_key: list[str]
    last_key: list[str]
    salutation: list[str]
    title: list[str]
    informal: list[bool]
    email: list[str]
    phone: list[str]
    phone_key: list[str]
    birthday: list[str | None]
    company: list[str]
    vat_id: list[str]
    street: list[str]
    postal_code: list[str]
    city: list[str]


def make_people(rng: np.random.Generator, ids: np.ndarray, pools: Pools) -> People:
    """Draw names, contact data and addresses for customers with the given ids."""
    size = len(ids)
    is_female = rng.random(size) < 0.52
    fem = rng.integers(0, len(pools.female), size)
    mal = rng.integers(0, len(pools.male), size)
    las = rng.integers(0, len(pools.last), size)
    pattern = rng.integers(0, 5, size)
    domain = rng.choice(MAIL_DOMAINS, size, p=MAIL_DOMAIN_WEIGHTS / MAIL_DOMAIN_WEIGHTS.sum())
    has_phone = rng.random(size) < 0.6
    mobile = rng.random(size) < 0.7
    phone_digits = rng.integers(1_000_000, 99_999_999, size)
    prefix = rng.integers(0, len(MOBILE_PREFIXES), size)
    area = rng.integers(30, 9999, size)
    has_birthday = rng.random(size) < 0.3
    birth_days = rng.integers(18 * 365, 80 * 365, size)
    is_business = rng.random(size) < 0.06
    company_kind = rng.integers(0, len(COMPANY_KINDS), size)
    company_form = rng.integers(0, len(COMPANY_FORMS), size)
    vat = rng.integers(100_000_000, 999_999_999, size)
    titled = rng.random(size) < 0.025
    informal = rng.random(size) < 0.15
    no_salutation = rng.random(size) < 0.05
    street = rng.integers(0, len(pools.streets), size)
    house = rng.integers(1, 160, size)
    place = rng.integers(0, len(pools.places), size)
    today = np.datetime64("today", "D")
    birthdays = (today - birth_days.astype("timedelta64[D]")).astype(str)

    people = People(ids=[int(i) for i in ids], first_name=[], last_name=[], first_key=[],
                    last_key=[], salutation=[], title=[], informal=informal.tolist(), email=[],
                    phone=[], phone_key=[], birthday=[], company=[], vat_id=[], street=[],
                    postal_code=[], city=[])  # fmt: skip
    for i in range(size):
        if is_female[i]:
            first, first_key, first_mail = (
                pools.female[fem[i]], pools.female_keys[fem[i]], pools.female_mail[fem[i]],
            )  # fmt: skip
        else:
            first, first_key, first_mail = (
                pools.male[mal[i]], pools.male_keys[mal[i]], pools.male_mail[mal[i]],
            )  # fmt: skip
        last, last_mail = pools.last[las[i]], pools.last_mail[las[i]]
        people.first_name.append(first)
        people.last_name.append(last)
        people.first_key.append(first_key)
        people.last_key.append(pools.last_keys[las[i]])
        people.salutation.append("" if no_salutation[i] else ("ms" if is_female[i] else "mr"))
        people.title.append("Dr." if titled[i] else "")
        # The customer id keeps addresses unique; real shops see such numbered mailboxes a lot.
        number = people.ids[i]
        local = (
            f"{first_mail}.{last_mail}.{number}",
            f"{first_mail[0]}.{last_mail}{number}",
            f"{last_mail}.{first_mail}{number}",
            f"{first_mail}{last_mail}{number}",
            f"{first_mail}_{number}",
        )[pattern[i]]
        people.email.append(f"{local}@{domain[i]}")
        if has_phone[i]:
            if mobile[i]:
                phone = f"{MOBILE_PREFIXES[prefix[i]]} {phone_digits[i]}"
            else:
                phone = f"0{area[i]} {phone_digits[i] % 1_000_000}"
            if rng_bit(number):
                phone = "+49 " + phone[1:]
        else:
            phone = ""
        people.phone.append(phone)
        people.phone_key.append(phone_key(phone)[:40])
        people.birthday.append(birthdays[i] if has_birthday[i] else None)
        if is_business[i]:
            people.company.append(
                f"{COMPANY_KINDS[company_kind[i]]} {last} {COMPANY_FORMS[company_form[i]]}"
            )
            people.vat_id.append(f"DE{vat[i]}")
        else:
            people.company.append("")
            people.vat_id.append("")
        people.street.append(f"{pools.streets[street[i]]} {house[i]}")
        postal_code, city = pools.places[place[i]]
        people.postal_code.append(postal_code)
        people.city.append(city)
    return people


def rng_bit(number: int) -> bool:
    """A cheap deterministic coin per customer (international phone format for about a third)."""
    return number * 2654435761 % 3 == 0
