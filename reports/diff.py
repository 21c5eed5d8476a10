"""How one level's grading setup differs from the level above it, computed in SQL.

One generator walks ``SETUP_TYPES`` and writes, per type, a chain of CTEs that
pairs every item above (a master item, or a course item) with the item below
that was pushed from it (its ``source``), the way the push engine pairs them
(pushjobs.engine.plan.plan_owner):

    e  the items above, one row per unit (course or section) that should hold them
    a  the units' pushed items (linked, and unlinked at the course)
    p  e FULL JOIN a on (unit, source): a row per pair, per item above the unit
       lacks (added) and per pushed item whose source is gone (removed)
    k  the unit's other items (local, residual, teacher) that hold an item's key
    d  every pair with its ``change``:

       added          the item above is not at the unit (a residual item with its
                      key is relinked; a local or teacher category is renamed)
       conflict_term  the item above names a term the unit's calendar lacks (R13):
                      no push can bring it
       conflict_key   a local (course) or teacher (section) item of a type that is
                      never renamed holds the key: push mode leaves it (R13, R19)
       removed        the pushed item's source is gone (or is residual at the course)
       changed        the values differ from the item above
       same           nothing differs

The comparison is the engine's: every key and payload field exactly (a renamed
category differs), section-only extras against the values a linked section item
has (R23's read_only), and under an open partial lock (R4: composite weights
unlocked) only the part the course does not keep as its own.

Because the differences are a relation, the same text serves the per-unit flags
of a whole district (one aggregate query, ``flag_sql``) and the rows of one page
or download chunk (``rows_sql``, one query per type): the states a page counts
and the rows it shows cannot disagree, and the number of queries does not grow
with the number of courses. The home pages' counts by state (``state_flag_counts_sql``)
read the same CTEs less the parts no state reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.setup_types import COURSE, LINKED, LOCAL, MASTER, SECTION, SETUP_TYPES, TEACHER, UNLINKED, SetupType

# What the course keeps of its own while a partial lock is open (R4), as the SQL
# projection of each payload field that is compared instead of the whole value.
# It mirrors ``SetupType.keep_course_values``: with composite weights unlocked the
# course keeps its weights, so only the children's items (in their order) count.
PARTIAL_LOCK_COMPARED = {
    "composite_weights": {"children": "jsonb_path_query_array({}, '$[*].item')"},
}

ADDED, CONFLICT_TERM, CONFLICT_KEY, REMOVED, CHANGED, SAME = (
    "added",
    "conflict_term",
    "conflict_key",
    "removed",
    "changed",
    "same",
)

# One bit per kind of difference, 8 bits per type (six types: 48 bits of a bigint).
BIT_ADDED = 1
BIT_CONFLICT_TERM = 2
BIT_CONFLICT_KEY = 4
BIT_REMOVED_LINKED = 8
BIT_REMOVED_UNLINKED = 16
BIT_CHANGED_LINKED = 32
BIT_UNLINKED_CHANGED = 64
BIT_UNLINKED_SAME = 128
BITS_PER_TYPE = 8

# A push of the type would change the unit (R8): awaiting push.
PENDING = BIT_ADDED | BIT_CONFLICT_KEY | BIT_REMOVED_LINKED | BIT_CHANGED_LINKED
# The course has an unlinked item of the type (R9 when the type is locked).
UNLINKED_ANY = BIT_REMOVED_UNLINKED | BIT_UNLINKED_CHANGED | BIT_UNLINKED_SAME
# Every bit that stands for a row where the two levels differ.
DIFFERS = 0xFF & ~BIT_UNLINKED_SAME


@dataclass(frozen=True)
class LevelPair:
    """Two adjacent levels, as a push between them sees them."""

    upper: str
    lower: str
    upper_states: tuple[str, ...] | None  # items above that are pushed (None: every item)
    pushed_states: tuple[str, ...]  # items below that carry a link to an item above
    blocking_state: str  # an item below in this state with a pushed key blocks it (unless renamed)
    check_terms: bool  # items above naming a term the calendar lacks cannot be pushed (R13)
    partial_locks: bool  # R4 applies (master to course only)


MASTER_COURSE = LevelPair(MASTER, COURSE, None, (LINKED, UNLINKED), LOCAL, True, True)
# Residual course items stay at the course (R19); the sections take the rest.
COURSE_SECTION = LevelPair(COURSE, SECTION, (LINKED, UNLINKED, LOCAL), (LINKED,), TEACHER, False, False)


def pair_types(pair: LevelPair) -> list[tuple[int, SetupType]]:
    """The types both levels hold, each with its index in SETUP_TYPES (its bit position)."""
    return [(i, t) for i, t in enumerate(SETUP_TYPES) if pair.upper in t.levels and pair.lower in t.levels]


def type_bits(bits: int, index: int) -> int:
    return (bits >> (BITS_PER_TYPE * index)) & 0xFF


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def compared_fields(t: SetupType) -> tuple[str, ...]:
    return t.key_fields + t.payload_fields


def columns(t: SetupType, level: str) -> list[str]:
    model = t.model(level)
    return [model._meta.get_field(name).column for name in compared_fields(t)]


def extra_columns(t: SetupType, pair: LevelPair) -> list[tuple[str, object]]:
    """Section-only fields and the value a linked section item has (R23: read_only is off)."""
    if pair.lower != SECTION:
        return []
    model = t.model(SECTION)
    return [(model._meta.get_field(name).column, value) for name, value in t.section_linked_values.items()]


def _key_expr(t: SetupType, alias: str, column: str, field: str) -> str:
    ref = f"{alias}.{_q(column)}"
    # Categories are the same category when their names match trimmed, ignoring case.
    return f"lower(btrim({ref}))" if field == t.rename_field else ref


def diff_ctes(
    t: SetupType,
    pair: LevelPair,
    n: int,
    scope: str = "scope",
    *,
    clashes: bool = True,
    locked_only: bool = False,
    low_scope: str | None = None,
) -> tuple[str, list]:
    """CTEs e{n}, a{n}, p{n}, k{n}, d{n} for one type (see the module docstring).

    ``scope`` names a CTE with columns unit_id (the course or section), up_owner (its master
    or course), terms (the calendar's terms, jsonb) and locked_types (the catalog's locks, jsonb).
    Without ``clashes`` there is no k: an item above that a local item's key blocks is "added"
    instead of "conflict_key" (both pending, R8). With ``locked_only`` a unit whose catalog does
    not lock the type is compared with nothing above: its items all come as "removed", which
    tells its unlinked ones, all a state reads of an unlocked type (R53). ``low_scope``: a CTE of
    the same units with their unit_id alone, for the items below (they need nothing else).
    """
    low_scope = low_scope or scope
    upper, lower = t.model(pair.upper), t.model(pair.lower)
    up_owner = "master_id" if pair.upper == MASTER else "course_id"
    low_owner = "course_id" if pair.lower == COURSE else "section_id"
    fields = compared_fields(t)
    ucols, lcols = columns(t, pair.upper), columns(t, pair.lower)
    extras = extra_columns(t, pair)
    params: list = []

    u_select = ", ".join(f"u.{_q(c)} AS {_q('u_' + c)}" for c in ucols)
    l_select = ", ".join(f"l.{_q(c)} AS {_q('l_' + c)}" for c in lcols)
    if extras:
        l_select += ", " + ", ".join(f"l.{_q(c)} AS {_q('x_' + c)}" for c, _ in extras)
    up_filter = ""
    if pair.upper_states is not None:
        up_filter = " AND u.state IN (" + ", ".join("%s" for _ in pair.upper_states) + ")"
        params_up = list(pair.upper_states)
    else:
        params_up = []
    if locked_only:
        up_filter += " AND jsonb_exists(s.locked_types, %s)"
        params_up.append(t.lock)

    term_field = t.calendar_term_field if pair.check_terms else None
    if term_field:
        term_col = upper._meta.get_field(term_field).column
        deliverable = f"jsonb_exists(s.terms, u.{_q(term_col)})"
    else:
        deliverable = "TRUE"

    partial = PARTIAL_LOCK_COMPARED.get(t.partial_lock) if (pair.partial_locks and t.partial_lock) else None
    if partial:
        params_full = [t.partial_lock]
        full_cmp = "jsonb_exists(s.locked_types, %s)"
    else:
        params_full = []
        full_cmp = "TRUE"

    low_states = ", ".join("%s" for _ in pair.pushed_states)

    # The comparison of one pair, field by field.
    differs = []
    for field, uc, lc in zip(fields, ucols, lcols, strict=True):
        u_ref, l_ref = f"p.{_q('u_' + uc)}", f"p.{_q('l_' + lc)}"
        if partial and field in partial:
            proj = partial[field]
            differs.append(
                f"(CASE WHEN p.full_cmp THEN {u_ref} IS DISTINCT FROM {l_ref} "
                f"ELSE {proj.format(u_ref)} IS DISTINCT FROM {proj.format(l_ref)} END)"
            )
        else:
            differs.append(f"{u_ref} IS DISTINCT FROM {l_ref}")
    params_differs: list = []
    for c, value in extras:
        differs.append(f"p.{_q('x_' + c)} IS DISTINCT FROM %s")
        params_differs.append(value)
    differs_sql = " OR ".join(differs)

    key_fields = t.key_fields
    key_cols = [lower._meta.get_field(f).column for f in key_fields]
    ukey_cols = [upper._meta.get_field(f).column for f in key_fields]
    k_select = ", ".join(
        f"{_key_expr(t, 'l', c, f)} AS {_q('k_' + c)}" for f, c in zip(key_fields, key_cols, strict=True)
    )
    k_match = " AND ".join(
        f"k.{_q('k_' + lc)} = " + (f"lower(btrim(p.{_q('u_' + uc)}))" if f == t.rename_field else f"p.{_q('u_' + uc)}")
        for f, lc, uc in zip(key_fields, key_cols, ukey_cols, strict=True)
    )
    blocks = "FALSE" if t.rename_field or not clashes else "k.state = %s"
    params_blocks = [] if t.rename_field or not clashes else [pair.blocking_state]

    if clashes:
        k_cte = f"""k{n} AS (
  SELECT s.unit_id, l.state, {k_select}
  FROM {low_scope} s JOIN {_q(lower._meta.db_table)} l ON l.{_q(low_owner)} = s.unit_id
  WHERE l.state NOT IN ({low_states})
),
"""
        k_join = f" LEFT JOIN k{n} k ON p.low_id IS NULL AND k.unit_id = p.unit_id AND {k_match}"
        clash_state = "k.state"
    else:
        k_cte, k_join, clash_state = "", "", "NULL::text"

    u_cols_p = ", ".join(f"e.{_q('u_' + c)}" for c in ucols)
    l_cols_p = ", ".join(f"a.{_q('l_' + c)}" for c in lcols)
    if extras:
        l_cols_p += ", " + ", ".join(f"a.{_q('x_' + c)}" for c, _ in extras)

    sql = f"""
e{n} AS (
  SELECT s.unit_id, u.id AS up_id, {u_select}, {deliverable} AS deliverable, {full_cmp} AS full_cmp
  FROM {scope} s JOIN {_q(upper._meta.db_table)} u ON u.{_q(up_owner)} = s.up_owner{up_filter}
),
a{n} AS (
  SELECT s.unit_id, l.id AS low_id, l.state AS low_state, l.source_id, {l_select}
  FROM {low_scope} s JOIN {_q(lower._meta.db_table)} l ON l.{_q(low_owner)} = s.unit_id
  WHERE l.state IN ({low_states})
),
p{n} AS (
  SELECT coalesce(e.unit_id, a.unit_id) AS unit_id, e.up_id, e.deliverable, e.full_cmp, {u_cols_p},
         a.low_id, a.low_state, {l_cols_p}
  FROM e{n} e FULL JOIN a{n} a ON a.unit_id = e.unit_id AND a.source_id = e.up_id
),
{k_cte}d{n} AS (
  SELECT p.*, {clash_state} AS clash_state,
    CASE
      WHEN p.low_id IS NULL THEN
        CASE WHEN NOT p.deliverable THEN 'conflict_term' WHEN {blocks} THEN 'conflict_key' ELSE 'added' END
      WHEN p.up_id IS NULL THEN 'removed'
      WHEN NOT ({differs_sql}) THEN 'same'
      WHEN NOT p.deliverable THEN 'conflict_term'
      ELSE 'changed'
    END AS change
  FROM p{n} p{k_join}
)"""
    # In the order the placeholders appear in the text.
    params = (
        params_full
        + params_up
        + list(pair.pushed_states)
        + (list(pair.pushed_states) if clashes else [])
        + params_blocks
        + params_differs
    )
    return sql, params


_BITS_CASE = f"""CASE
  WHEN d.low_state = '{UNLINKED}' THEN
    CASE WHEN d.change = 'removed' THEN {BIT_REMOVED_UNLINKED} WHEN d.change = 'same' THEN {BIT_UNLINKED_SAME}
         ELSE {BIT_UNLINKED_CHANGED} END
  WHEN d.change = 'added' THEN {BIT_ADDED}
  WHEN d.change = 'conflict_term' THEN {BIT_CONFLICT_TERM}
  WHEN d.change = 'conflict_key' THEN {BIT_CONFLICT_KEY}
  WHEN d.change = 'removed' THEN {BIT_REMOVED_LINKED}
  WHEN d.change = 'changed' THEN {BIT_CHANGED_LINKED}
  ELSE 0 END"""


def _flag_parts(pair: LevelPair, scope: str, **options) -> tuple[str, str, list]:
    """The types' CTEs, and the union of their (unit_id, bits) rows: a row per difference or
    unlinked item, its bits at 8*i for type i."""
    ctes, params, parts = [], [], []
    for i, t in pair_types(pair):
        sql, p = diff_ctes(t, pair, i, scope, **options)
        ctes.append(sql)
        params += p
        parts.append(
            f"SELECT d.unit_id, ({_BITS_CASE})::bigint << {BITS_PER_TYPE * i} AS bits "
            f"FROM d{i} d WHERE d.change <> 'same' OR d.low_state = '{UNLINKED}'"
        )
    return ",".join(ctes), "\nUNION ALL\n".join(parts), params


def flag_sql(pair: LevelPair, scope_sql: str, scope_params: list) -> tuple[str, list]:
    """One query: (unit_id, bits) for every unit of the scope with any difference or unlinked item.

    Units that match their level above exactly do not appear. Bits of type i sit at 8*i.
    """
    ctes, union, params = _flag_parts(pair, "scope")
    # The scope is not materialized: a CTE that is would keep PostgreSQL from sharing the
    # types' parts among parallel workers (the whole district's aggregate: about half the time on
    # two cores); the scope, a join of courses and their calendars, is cheap to read again.
    sql = (
        f"WITH scope AS NOT MATERIALIZED ({scope_sql}),{ctes}\n"
        f"SELECT unit_id, bit_or(bits) FROM ({union}) x GROUP BY unit_id"
    )
    return sql, list(scope_params) + params


def state_flag_counts_sql(
    pair: LevelPair,
    scope: tuple[str, list],
    compared: tuple[str, list],
    compared_ids: tuple[str, list],
    groups: tuple[str, ...],
) -> tuple[str, list]:
    """One query: the units of ``scope`` counted by its columns ``groups`` and their bits, as far
    as a unit's state reads them (R53): PENDING where the unit's catalog locks the type,
    UNLINKED_ANY for every type. Only the units of ``compared`` (a scope of the same columns as
    flag_sql's, ``compared_ids`` the same units by unit_id alone) are compared; the others' bits
    are 0 (courses that ignore master pushes: ignored whatever differs).

    The differences are flag_sql's, less what no state reads: key clashes (they tell
    conflict_key from added, both pending) and the comparison of a type the catalog leaves
    unlocked. A district's courses then come back as a few hundred groups, not one row each.
    """
    ctes, union, params = _flag_parts(pair, "compared", clashes=False, locked_only=True, low_scope="compared_ids")
    columns = ", ".join(f"s.{_q(c)}" for c in groups)
    positions = ", ".join(str(k + 1) for k in range(len(groups) + 1))
    sql = (
        f"WITH scope AS NOT MATERIALIZED ({scope[0]}),\n"
        f"compared AS NOT MATERIALIZED ({compared[0]}),\n"
        f"compared_ids AS NOT MATERIALIZED ({compared_ids[0]}),{ctes},\n"
        f"flags AS (SELECT unit_id, bit_or(bits) AS bits FROM ({union}) x GROUP BY unit_id)\n"
        f"SELECT {columns}, coalesce(f.bits, 0), count(*) FROM scope s LEFT JOIN flags f ON f.unit_id = s.unit_id "
        f"GROUP BY {positions}"
    )
    return sql, [*scope[1], *compared[1], *compared_ids[1], *params]


def rows_sql(t: SetupType, pair: LevelPair, scope_sql: str, scope_params: list) -> tuple[str, list]:
    """One query: every difference row of one type for the units of the scope (unlinked items included)."""
    sql, p = diff_ctes(t, pair, 0)
    return (
        f"WITH scope AS MATERIALIZED ({scope_sql}),{sql}\n"
        f"SELECT * FROM d0 WHERE change <> 'same' OR low_state = '{UNLINKED}' ORDER BY unit_id",
        list(scope_params) + p,
    )
