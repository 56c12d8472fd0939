"""What every layer may know and that knows no layer: the caller, roles, the clock, durations.

`domain` imports nothing from the project (import-linter holds it): `models`, `dao`, `seeding`,
`api` and `resources` all build on it, so a DAO can take the caller's identity or format a
duration without reaching up into the HTTP layer.
"""
