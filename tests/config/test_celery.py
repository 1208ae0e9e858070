"""config/celery.py around each task: a worker's task keeps the connection (DB_CONN_MAX_AGE)
unless it broke, but an eager task runs on its caller's connection, perhaps inside the
caller's transaction, and must leave it alone."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from bpjs_bridge.tasks import sapu
from puskesmas.models import Loket

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_eager_task_inside_a_transaction_leaves_the_callers_connection_alone(puskesmas):
    with transaction.atomic():
        Loket.objects.create(puskesmas=puskesmas, kode="LX", nama="Loket Uji")
        sapu.apply()  # eager: task_prerun and task_postrun fire in this thread
        assert not connection.needs_rollback
        Loket.objects.filter(kode="LX").update(nama="Loket Uji 2")  # still usable
    assert Loket.objects.get(kode="LX").nama == "Loket Uji 2"
