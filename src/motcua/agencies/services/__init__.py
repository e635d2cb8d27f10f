"""Writes to agencies, divisions, reception points and officials' roles.

These functions are the only path by which those records are created or changed: the catalogue
import, the admin, the commands and the demo loader all go through them.
"""

from .agencies import (
    AGENCY_KEYS,
    UpsertResult,
    check_agency,
    save_agency,
    upsert_agencies,
    validate_agency_rows,
)
from .divisions import (
    DivisionRow,
    check_division,
    decode_csv,
    import_divisions_csv,
    load_provinces,
    parse_divisions_csv,
    save_division,
    upsert_divisions,
)
from .officials import (
    ADMIN_ROLES,
    RoleSpec,
    assign_role,
    check_assignment,
    check_official,
    create_official,
    revoke_role,
)
from .points import check_reception_point, save_reception_point, upsert_reception_points
from .sample import SampleLogin, SampleProvince, load_sample_province

__all__ = [
    "ADMIN_ROLES",
    "AGENCY_KEYS",
    "DivisionRow",
    "RoleSpec",
    "SampleLogin",
    "SampleProvince",
    "UpsertResult",
    "assign_role",
    "check_agency",
    "check_assignment",
    "check_division",
    "check_official",
    "check_reception_point",
    "create_official",
    "decode_csv",
    "import_divisions_csv",
    "load_provinces",
    "load_sample_province",
    "parse_divisions_csv",
    "revoke_role",
    "save_agency",
    "save_division",
    "save_reception_point",
    "upsert_agencies",
    "upsert_divisions",
    "upsert_reception_points",
    "validate_agency_rows",
]
