"""Reads of dossiers, always scoped to what the actor may see.

One definition of visibility serves lists (a ``Q`` filter) and single dossiers (``can_see``),
for the API and the web pages alike:
  receiver        dossiers received at its centre
  specialist,
  leader          dossiers its agency resolves, or that have (had) a step at its agency
  agency_admin,
  inspector,
  province_admin  dossiers of any agency in the subtree of its agency
  the portal      the dossiers it submitted
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from motcua.agencies.models import Role
from motcua.core.errors import NotFound

from . import held
from .actor import Actor
from .models import Dossier, DossierEvent, DossierStep
from .refs import attach
from .transitions import APPLICANT, SYSTEM

SUBTREE_ROLES = (Role.AGENCY_ADMIN, Role.INSPECTOR, Role.PROVINCE_ADMIN)


def visibility(actor: Actor) -> Q:
    if actor.kind == SYSTEM:
        return Q()
    if actor.kind == APPLICANT:
        return Q(created_by=actor.user)
    condition = Q(pk__in=[])
    centres = actor.agencies_with(Role.RECEIVER)
    if centres:
        condition |= Q(receiving_centre_id__in=centres)
    workers = actor.agencies_with(Role.SPECIALIST, Role.LEADER)
    if workers:
        condition |= Q(competent_agency_id__in=workers) | Q(
            Exists(DossierStep.objects.filter(dossier=OuterRef("pk"), agency_id__in=workers))
        )
    # The subtree roles come expanded from the official's scope (province admin: the whole
    # province above its agency; agency admin and inspector: the agency's subtree).
    overseen = actor.agencies_with(*SUBTREE_ROLES)
    if overseen:
        condition |= Q(competent_agency_id__in=overseen) | Q(receiving_centre_id__in=overseen)
    return condition


def visible_dossiers(actor: Actor) -> QuerySet[Dossier]:
    return Dossier.objects.filter(visibility(actor))


def can_see(actor: Actor, dossier: Dossier) -> bool:
    """``visibility`` for one loaded dossier: in Python, with a query only when the answer
    depends on the dossier's past steps."""
    if actor.kind == SYSTEM:
        return True
    if actor.kind == APPLICANT:
        return actor.user is not None and dossier.created_by_id == actor.user.pk
    if dossier.receiving_centre_id in actor.agencies_with(Role.RECEIVER):
        return True
    overseen = actor.agencies_with(*SUBTREE_ROLES)
    if dossier.competent_agency_id in overseen or dossier.receiving_centre_id in overseen:
        return True
    workers = actor.agencies_with(Role.SPECIALIST, Role.LEADER)
    if not workers:
        return False
    if dossier.competent_agency_id in workers:
        return True
    steps = held.steps(dossier)
    if steps is not None:
        return any(step.agency_id in workers for step in steps)
    return DossierStep.objects.filter(dossier=dossier, agency_id__in=workers).exists()


def get_visible(actor: Actor, code: str) -> Dossier:
    """A dossier the actor may see; anything else is 'not found' (never 'forbidden', which
    would confirm that another agency's dossier exists)."""
    # No join: the reference rows come from the per-process caches (``refs``).
    dossier = visible_dossiers(actor).filter(code=code).first()
    if dossier is None:
        raise NotFound(_not_found(code))
    return attach(dossier)


def _not_found(code: str) -> str:
    from django.utils.translation import gettext as _

    return _("No dossier %(code)s among the dossiers you can see.") % {"code": code}


def events(dossier: Dossier) -> QuerySet[DossierEvent]:
    return DossierEvent.objects.filter(dossier=dossier).select_related("agency").order_by("seq")


def steps_of(dossier: Dossier) -> QuerySet[DossierStep]:
    return (
        DossierStep.objects.filter(dossier=dossier)
        .select_related("agency", "assignee")
        .order_by("position")
    )
