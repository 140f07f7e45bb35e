"""Two processes opening cases at once never get the same reference."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from stammkunde.service.services import cases as services
from tests.factories import CustomerFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_get_distinct_references():
    customer = CustomerFactory()
    references: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_some():
        try:
            start.wait(timeout=30)
            for number in range(5):
                case = services.open_case(
                    customer=customer,
                    case_type="question",
                    channel="email",
                    subject=f"Frage {number}",
                    body="",
                )
                references.append(case.reference)
        except BaseException as error:  # the test reports it below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=open_some) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert len(references) == 20
    assert len(set(references)) == 20
