"""Model validation of the queue's reference rows (antrean/models.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_unit_under_another_puskesmas_cluster_is_refused_with_the_field_named(
    puskesmas, puskesmas_lain, unit
):
    """The reference cache loads a Puskesmas' units with their clusters by that Puskesmas on
    both sides: a unit saved under a neighbour's cluster would vanish from the loket and the
    TV, so the form refuses it and says which field."""
    from django.core.exceptions import ValidationError

    from tests.factories import KlasterFactory

    unit.klaster = KlasterFactory(puskesmas=puskesmas_lain, nomor=3)
    with pytest.raises(ValidationError) as e:
        unit.full_clean()
    assert "Klaster harus milik Puskesmas yang sama" in e.value.message_dict["klaster"][0]
    unit.klaster = puskesmas.klaster.get(nomor=3)
    unit.full_clean()
