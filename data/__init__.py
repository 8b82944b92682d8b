"""The local health log: sessions, symptom ratings and schedules in one SQLite file.

Modules (repository functions take the sqlite-utils `Database`; `store.open_store`
gives one, `store.open_memory` an in-memory one for tests):

- `store`: where the log lives, pragmas (WAL, synchronous=FULL), the start-up sequence
- `files`: private folders/files (0700/0600) and the single-writer lock
- `schema`: sqlite-utils migrations, schema version, refusal of newer files
- `backup`: verified online backups, daily rotation, recovery of a damaged file
- `tx`: transactions whose SQLite errors surface as typed `errors.StoreError`s
- `models`, `times`, `jsonval`: the store's own value types and conventions
- `devices`, `screenings`, `programs`, `sessions`, `telemetry`, `ratings`, `schedules`
- `queries`, `stats`: trends, per-program effect with a t-based 95% CI, adherence
- `export` (CSV), `dump` (JSON backup), `fhir` (FHIR R4 Bundle), `ics` (iCalendar)

This package imports no other part of Thenar: what it stores from them arrives
as plain JSON-able dicts.
"""
