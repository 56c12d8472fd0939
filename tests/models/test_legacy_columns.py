"""The columns Splits adds to legacy tables never make a legacy query's column ambiguous.

The legacy API may still run against an adopted database (CONTRACT §11). Its raw SQL joins
legacy tables and selects some columns unqualified (`SELECT id, ... FROM teamgroups JOIN groups`):
a column Splits adds under a name that a joined legacy table already has turns such a query
into an error. docs/database.md lists the same columns.
"""

from __future__ import annotations

from models import Base

#: The tables of the legacy schema (revision 0001, legacy-v2 §2.2).
LEGACY_TABLES = frozenset({
    "users", "codes", "forgotpassword", "logs", "comments", "notifications", "flair", "groups",
    "groupmembers", "teams", "teamgroups", "teammembers", "events", "types", "metrics",
    "status", "admins", "weekstart",
})  # fmt: skip

#: Every column Splits adds to a legacy table. tests/migrations checks it against the database.
SPLITS_ADDED_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"role", "token_generation", "version"}),
    "codes": frozenset({"version"}),
    "logs": frozenset({"version"}),
    "comments": frozenset({"version"}),
    "notifications": frozenset({"version", "sender"}),
    "groups": frozenset({"version"}),
    "groupmembers": frozenset({"version"}),
    "teams": frozenset({"version"}),
    "teamgroups": frozenset({"teamgroup_id"}),
    "teammembers": frozenset({"teammember_id"}),
}

#: The sets of tables that one legacy query joins (its raw SQL and its ORM queries).
LEGACY_JOINS: tuple[frozenset[str], ...] = tuple(
    frozenset(tables)
    for tables in (
        {"teamgroups", "groups"},  # a team's groups; a group by team and name
        {"groupmembers", "groups"},  # a user's groups
        {"groupmembers", "groups", "teamgroups", "teams"},  # a user's groups in a team
        {"groupmembers", "groups", "teamgroups", "users"},  # a group's members by name
        {"groupmembers", "users"},  # a group's members by id
        {"groupmembers", "teamgroups"},  # memberships: existing group memberships
        {"logs", "groupmembers"},  # group stats, leaderboards, group feed, range view
        {"logs", "teammembers"},  # the "all" log feed
        {"teammembers", "teams"},  # a user's teams
        {"teammembers", "teams", "users"},  # a team's members
        {"teams", "teamgroups", "groups"},  # the team of a group (ORM)
    )
)


def legacy_columns(table: str) -> set[str]:
    """Return the columns of a legacy table that the legacy schema already had."""
    columns = {column.name for column in Base.metadata.tables[table].columns}
    return columns - SPLITS_ADDED_COLUMNS.get(table, frozenset())


def test_the_added_columns_are_in_the_models() -> None:
    assert set(SPLITS_ADDED_COLUMNS) <= LEGACY_TABLES
    for table, added in SPLITS_ADDED_COLUMNS.items():
        assert added <= {column.name for column in Base.metadata.tables[table].columns}, table


def test_no_added_column_shares_a_name_with_a_legacy_column_it_is_joined_with() -> None:
    clashes = {
        (table, column, other)
        for join in LEGACY_JOINS
        for table in join
        for column in SPLITS_ADDED_COLUMNS.get(table, frozenset())
        for other in join - {table}
        if column in legacy_columns(other)
    }
    assert clashes == set()


def test_no_added_column_reuses_any_legacy_column_name() -> None:
    # Stricter than the joins above: a join the list forgot cannot clash either. Two added
    # columns may share a name (`version`): legacy queries never name a column they lack.
    legacy_names = set().union(*(legacy_columns(table) for table in LEGACY_TABLES))
    reused = {
        (table, column)
        for table, added in SPLITS_ADDED_COLUMNS.items()
        for column in added
        if column in legacy_names
    }
    assert reused == set()


def test_the_membership_keys_are_not_named_id() -> None:
    for table, key in (("teamgroups", "teamgroup_id"), ("teammembers", "teammember_id")):
        primary_key = Base.metadata.tables[table].primary_key
        assert [column.name for column in primary_key.columns] == [key]
        assert primary_key.columns[key].autoincrement is True
