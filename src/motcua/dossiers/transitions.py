"""The transition table: state × action × role → new state. The only place it is written.

Read a row as: *action* is allowed from any of *from* states, by an official holding one of
*roles* at the agency named by *at*, and leads to *to*. ``NEW`` is "no dossier yet" (intake);
``SAME`` keeps the state; ``RESUME`` returns to the state the open pause will resume.

``at`` names which agency the role must be held at:
  centre     the dossier's receiving centre (or its reception point)
  step       the agency holding the current step
  competent  the competent agency (the one that resolves it)
  fault      the agency whose step is (or will be) late — or the competent agency
  any        any agency from which the official can see the dossier
"""

from __future__ import annotations

from dataclasses import dataclass

from motcua.agencies.models import Role

from .states import Action as A
from .states import State as S

NEW = "__new__"
SAME = "__same__"
RESUME = "__resume__"
# Actors that are not officials with a role at an agency.
APPLICANT = "applicant"  # the online portal acting for the applicant (integration token)
SYSTEM = "system"  # motcua itself: scheduled cancellations, imports

R = Role
# Everyone who works on or administers dossiers may leave a note; the inspector only reads.
COMMENTERS = frozenset(Role.values) - {Role.INSPECTOR}
OPEN_STATES = (S.RECEIVED, S.IN_PROGRESS, S.AWAITING_SUPPLEMENT, S.SUSPENDED)


@dataclass(frozen=True)
class Rule:
    action: str
    sources: tuple[str, ...]
    to: str | dict[str, str]
    roles: frozenset[str]
    at: str

    def target(self, state: str) -> str:
        return self.to[state] if isinstance(self.to, dict) else self.to


def _r(
    action: str, sources: tuple[str, ...], to: str | dict[str, str], roles: set[str], at: str
) -> Rule:
    return Rule(action, sources, to, frozenset(roles), at)


# fmt: off
TABLE: tuple[Rule, ...] = (
    #  action                  from                                          to                          roles                                   at
    _r(A.SUBMIT,               (NEW, S.SUBMITTED),                           S.SUBMITTED,                {APPLICANT, R.RECEIVER},                "centre"),
    _r(A.REQUEST_COMPLETION,   (NEW, S.SUBMITTED),                           S.SUBMITTED,                {R.RECEIVER},                           "centre"),
    _r(A.REJECT_AT_RECEPTION,  (NEW, S.SUBMITTED),                           S.REJECTED_AT_RECEPTION,    {R.RECEIVER},                           "centre"),
    _r(A.RECEIVE,              (NEW, S.SUBMITTED),                           S.RECEIVED,                 {R.RECEIVER},                           "centre"),
    _r(A.ASSIGN,               (S.RECEIVED, S.IN_PROGRESS),                  SAME,                       {R.LEADER, R.RECEIVER},                 "step"),
    _r(A.FORWARD,              (S.RECEIVED, S.IN_PROGRESS),                  S.IN_PROGRESS,              {R.RECEIVER, R.SPECIALIST, R.LEADER},   "step"),
    _r(A.TRANSFER,             (S.IN_PROGRESS,),                             S.IN_PROGRESS,              {R.SPECIALIST, R.LEADER},               "step"),
    _r(A.RETURN_FROM_TRANSFER, (S.IN_PROGRESS,),                             S.IN_PROGRESS,              {R.SPECIALIST, R.LEADER},               "step"),
    _r(A.REQUEST_SUPPLEMENT,   (S.RECEIVED, S.IN_PROGRESS),                  S.AWAITING_SUPPLEMENT,      {R.SPECIALIST, R.LEADER},               "step"),
    _r(A.SUPPLEMENT,           (S.AWAITING_SUPPLEMENT,),                     RESUME,                     {APPLICANT, R.RECEIVER},                "centre"),
    _r(A.CANCEL,               (S.AWAITING_SUPPLEMENT,),                     S.CANCELLED,                {SYSTEM, R.RECEIVER, R.LEADER},         "step"),
    _r(A.SUSPEND,              (S.RECEIVED, S.IN_PROGRESS),                  S.SUSPENDED,                {R.SPECIALIST, R.LEADER},               "step"),
    _r(A.RESUME,               (S.SUSPENDED,),                               RESUME,                     {R.SPECIALIST, R.LEADER},               "step"),
    _r(A.APPROVE,              (S.IN_PROGRESS,),                             S.RESULT_READY,             {R.LEADER},                             "competent"),
    _r(A.REFUSE,               (S.IN_PROGRESS,),                             S.REFUSED,                  {R.LEADER},                             "competent"),
    _r(A.RETURN_RESULT,        (S.RESULT_READY, S.REFUSED),                  {S.RESULT_READY: S.RETURNED,
                                                                              S.REFUSED: S.REFUSED},     {R.RECEIVER},                           "centre"),
    _r(A.WITHDRAW,             (S.SUBMITTED, *OPEN_STATES),                  S.WITHDRAWN,                {R.RECEIVER},                           "centre"),
    _r(A.APOLOGISE,            (*OPEN_STATES, S.RESULT_READY),               SAME,                       {R.LEADER},                             "fault"),
    _r(A.COMMENT,              tuple(S.values),                              SAME,                       set(COMMENTERS),                        "any"),
)
# fmt: on

_BY_ACTION: dict[str, Rule] = {rule.action: rule for rule in TABLE}


def rule_for(action: str) -> Rule | None:
    return _BY_ACTION.get(action)


def allowed_actions(state: str) -> list[str]:
    """Actions the table allows from a state, whoever asks (the UI filters by role too)."""
    return [rule.action for rule in TABLE if state in rule.sources]
